"""eidataset settings: one file, every deploy-time value read from the environment."""

from pathlib import Path

from eidataset.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Zero-setup by default (SQLite, dev server); production sets DEBUG=false and then must
# give SECRET_KEY and ALLOWED_HOSTS explicitly.
DEBUG = env_bool("DEBUG", True)
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY") or "dev-only-insecure-key-never-used-with-debug-off"
else:
    SECRET_KEY = env_required("SECRET_KEY", "DEBUG is off, so a real secret key is needed")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Generated files (SQLite database, releases, logs) live here; git-ignored.
DATA_DIR = env_path("EIDATASET_DATA_DIR", BASE_DIR / "var", base=BASE_DIR)
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "import_export",
    "eidataset.apps.EidatasetConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "eidataset.urls"
WSGI_APPLICATION = "eidataset.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), DATA_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Scaffolding -----------------------------------------------------------------------
# Source documents are split into chunks of about this many characters (scenario context).
SOURCE_CHUNK_SIZE = env_int("SOURCE_CHUNK_SIZE", 1200, minimum=200)
SOURCE_CHUNK_OVERLAP = env_int("SOURCE_CHUNK_OVERLAP", 150, minimum=0)
# Uploaded source documents and scaffolding import files larger than this are refused
# before they are read.
SOURCE_DOCUMENT_MAX_BYTES = env_int("SOURCE_DOCUMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
SCAFFOLDING_IMPORT_MAX_BYTES = env_int(
    "SCAFFOLDING_IMPORT_MAX_BYTES", 2 * 1024 * 1024, minimum=1024
)

# django-import-export: every import runs in one transaction and rolls back as a whole on
# any row error (the formats, CSV, JSON and YAML, are set on the admin classes).
IMPORT_EXPORT_USE_TRANSACTIONS = True
