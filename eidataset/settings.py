"""eidataset settings: one file, every deploy-time value read from the environment."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from eidataset.env import (
    database_from_url,
    env_bool,
    env_float,
    env_int,
    env_json,
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
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's and ReDoc's files, served as our static files
    "eidataset.apps.EidatasetConfig",
    "django_q",
    "generation.apps.GenerationConfig",
    "review.apps.ReviewConfig",
    "exports.apps.ExportsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees a view's exception first: a plain 503 when the database is away.
    "eidataset.middleware.DatabaseUnreachableMiddleware",
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

# DATABASE_POOLER: `auto` treats a URL on port 6543 or with `pgbouncer=true` (Supabase's
# transaction pooler) as pooled; `transaction` or `none` say so outright (docs/operations.md).
DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL"),
        DATA_DIR / "db.sqlite3",
        env_str("DATABASE_POOLER", "auto") or "auto",
    )
}
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
    "loggers": {
        # One line per queued task and per HTTP call is noise at INFO; warnings still show.
        "django-q": {"level": env_str("Q_LOG_LEVEL", "WARNING")},
        "httpx2": {"level": "WARNING"},
        "generation.claude": {"level": "WARNING"},
    },
}

# --- REST API --------------------------------------------------------------------------
# Scripts authenticate with a token (Authorization: Token ...), the browser with its session.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only, and only text the database can store (no NUL, no lone surrogate).
    "DEFAULT_PARSER_CLASSES": ["generation.parsers.StorableJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "eidataset API",
    "DESCRIPTION": (
        "Plan, generate and follow batches of synthetic conversations (dataset editors), and "
        "record reviews (reviewers). Authenticate with `Authorization: Token <key>` (a key "
        "from the admin's Tokens page) or a logged-in session. Bodies are JSON; text holding "
        "a NUL character or a lone surrogate anywhere in a body is refused (400): no database "
        "can store it."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc load from our own static files, not a CDN: they work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and its pages are for logged-in users only (docs/operations.md).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "generation.models.BatchJob.Status",
        "ReviewStatusEnum": "review.models.Review.Status",
        # A parameter set's schema is one of three, told apart by its tier.
        "TemplateTierEnum": ["template"],
        "ScenarioTierEnum": ["scenario"],
        "EdgeCaseTierEnum": ["edge_case"],
    },
}
# A 10,000-set plan with scenario chunks is about 20 MB of JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 25 * 1024 * 1024, minimum=1024)

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

# --- Claude ----------------------------------------------------------------------------
# Without an API key every call goes to the offline emulator (generation/emulator/) through
# the same SDK code path; its conversations are marked as emulated everywhere.
ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY") or ""
ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL") or None
CLAUDE_MODEL = env_str("CLAUDE_MODEL", "claude-sonnet-5-5")
CLAUDE_MAX_TOKENS = env_int("CLAUDE_MAX_TOKENS", 8192, minimum=1024)
CLAUDE_TIMEOUT_SECONDS = env_float("CLAUDE_TIMEOUT_SECONDS", 180.0, minimum=1.0)
# The SDK's own retries of 408/409/429/5xx, honouring retry-after; the app retries on top.
CLAUDE_SDK_MAX_RETRIES = env_int("CLAUDE_SDK_MAX_RETRIES", 2, minimum=0)
# USD per million tokens: input, output, cache write (5-minute), cache read. Source:
# Anthropic's published list prices; override or extend with CLAUDE_PRICES_JSON.
CLAUDE_PRICES: dict[str, dict[str, float]] = {
    "claude-opus-5-5": {"input": 5.0, "output": 25.0, "cache_write": 6.25, "cache_read": 0.5},
    "claude-sonnet-5-5": {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.3},
    "claude-haiku-5-5": {"input": 1.0, "output": 5.0, "cache_write": 1.25, "cache_read": 0.1},
    "claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.3},
    "claude-haiku-4-5": {"input": 1.0, "output": 5.0, "cache_write": 1.25, "cache_read": 0.1},
}
CLAUDE_PRICES |= env_json("CLAUDE_PRICES_JSON", {})
# Claude caches a prompt prefix (the system prompt, sent with cache_control) only from this
# many tokens on, per model; a shorter one is billed as plain input on every call. 1,024 for
# every model here; override or extend with CLAUDE_CACHE_MIN_TOKENS_JSON ({"model": tokens}).
CLAUDE_CACHE_MIN_TOKENS: dict[str, int] = dict.fromkeys(CLAUDE_PRICES, 1024)
CLAUDE_CACHE_MIN_TOKENS |= env_json("CLAUDE_CACHE_MIN_TOKENS_JSON", {})
# The judge (review/judging.py): a second, structured call per stored conversation on a
# cheaper model, on by default with a real key (offline it answers from the emulator's
# heuristics, so JUDGE_ENABLED=true turns it on there); a job can be submitted without it.
CLAUDE_JUDGE_MODEL = env_str("CLAUDE_JUDGE_MODEL", "claude-haiku-5-5") or "claude-haiku-5-5"
CLAUDE_JUDGE_MAX_TOKENS = env_int("CLAUDE_JUDGE_MAX_TOKENS", 4096, minimum=1024)
JUDGE_ENABLED = env_bool("JUDGE_ENABLED", bool(ANTHROPIC_API_KEY))
# Tries per conversation (an unreadable verdict is asked again once, then given up).
JUDGE_MAX_ATTEMPTS = env_int("JUDGE_MAX_ATTEMPTS", 2, minimum=1)
# A model's verdict that flags a hard defect with a quote found in the conversation fails it
# (review/judge_defects.py); false: such flags are warnings only, as before.
JUDGE_FAILS_ON_DEFECTS = env_bool("JUDGE_FAILS_ON_DEFECTS", True)
# Expected verdict size, for estimates: 20 items of ~40 tokens, 14 defects of ~15, a summary.
JUDGE_EXPECTED_OUTPUT_TOKENS = 1100

# The offline emulator: latency per call, and faults at given rates for tests and drills,
# e.g. EMULATOR_FAULTS="429=0.3,529=0.05,invalid_json=0.02". EMULATOR_REQUEST_LOG appends one
# JSON line per request received (across processes) so tests can count calls.
EMULATOR_LATENCY_SECONDS = env_float("EMULATOR_LATENCY_SECONDS", 0.0, minimum=0.0)
EMULATOR_FAULTS = env_str("EMULATOR_FAULTS", "") or ""
EMULATOR_REQUEST_LOG = env_str("EMULATOR_REQUEST_LOG") or None
EMULATOR_SEED = env_int("EMULATOR_SEED", 0)
# Tier limits the emulator enforces with token buckets, per EMULATOR_RATE_WINDOW_SECONDS
# (the API's minute; shorter makes a test settle in seconds), shared by every local process
# through EMULATOR_RATE_STATE: e.g. "requests=50,input_tokens=40000,output_tokens=8000".
# Empty (the default): nothing is enforced, only the headers of a high tier are sent.
EMULATOR_RATE_LIMITS = env_str("EMULATOR_RATE_LIMITS", "") or ""
EMULATOR_RATE_WINDOW_SECONDS = env_float("EMULATOR_RATE_WINDOW_SECONDS", 60.0, minimum=0.1)
EMULATOR_RATE_STATE = env_path(
    "EMULATOR_RATE_STATE", DATA_DIR / "emulator" / "rate-limits.json", base=BASE_DIR
)
# The emulator's Message Batches: how long a batch takes to end, and where batches are kept
# (a folder, so every local process sees the same batches). EMULATOR_FAULTS apply per request
# (429/529/500 make an errored result; expired=0.1 expires a tenth of the requests).
EMULATOR_BATCH_SECONDS = env_float("EMULATOR_BATCH_SECONDS", 3.0, minimum=0.0)
EMULATOR_BATCH_DIR = env_path(
    "EMULATOR_BATCH_DIR", DATA_DIR / "emulator" / "batches", base=BASE_DIR
)

# --- Generation workers ----------------------------------------------------------------
# The database decides who works on what (leases); django-q2 only carries messages. A task
# is never redelivered by django-q2 (max_attempts 1, failures acknowledged): a lost worker's
# lease runs out and the sweep returns its conversation.
GENERATION_MAX_ATTEMPTS = env_int("GENERATION_MAX_ATTEMPTS", 4, minimum=1)
# Longest a task waits in-process for a retry's backoff before giving its slot back.
GENERATION_MAX_BACKOFF_SECONDS = env_float("GENERATION_MAX_BACKOFF_SECONDS", 60.0, minimum=0.0)
# The longest one conversation's call can take: the SDK's timeout times its attempts, plus a
# retry's backoff.
GENERATION_CALL_SECONDS = int(
    CLAUDE_TIMEOUT_SECONDS * (CLAUDE_SDK_MAX_RETRIES + 1) + GENERATION_MAX_BACKOFF_SECONDS
)
# A claim's lease is short and renewed every heartbeat while its call is in flight, so a
# conversation whose worker died is taken up again within about a lease plus a heartbeat.
GENERATION_LEASE_SECONDS = env_int("GENERATION_LEASE_SECONDS", 30, minimum=2)
GENERATION_HEARTBEAT_SECONDS = env_float(
    "GENERATION_HEARTBEAT_SECONDS", GENERATION_LEASE_SECONDS / 3, minimum=0.1
)
if GENERATION_HEARTBEAT_SECONDS * 2 > GENERATION_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "GENERATION_HEARTBEAT_SECONDS must be at most half of GENERATION_LEASE_SECONDS "
        f"({GENERATION_HEARTBEAT_SECONDS} and {GENERATION_LEASE_SECONDS}): a lease would run "
        "out between two renewals."
    )
# How many seed examples the documented rule picks for the prompt (generation/examples.py).
SEED_EXAMPLES_COUNT = env_int("SEED_EXAMPLES_COUNT", 3, minimum=1)
# A judge claim's lease, renewed by the same heartbeat while its call is in flight.
JUDGE_LEASE_SECONDS = env_int("JUDGE_LEASE_SECONDS", GENERATION_LEASE_SECONDS, minimum=2)
if GENERATION_HEARTBEAT_SECONDS * 2 > JUDGE_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "GENERATION_HEARTBEAT_SECONDS must be at most half of JUDGE_LEASE_SECONDS "
        f"({GENERATION_HEARTBEAT_SECONDS} and {JUDGE_LEASE_SECONDS}): a judge's lease would "
        "run out between two renewals."
    )
# A reply the database cannot take is retried on a fresh connection for this long (a restart
# or a dropped connection is over by then), then written to the journal under the data
# folder and stored when the database is back (generation/journal.py).
GENERATION_STORE_RETRY_SECONDS = env_float("GENERATION_STORE_RETRY_SECONDS", 15.0, minimum=0.0)
# A worker that finishes a conversation goes straight on to the next one its job has room
# for (no round trip through the broker) while it has been busy less than this; a
# conversation started then still ends within the task timeout below.
# A conversation handed to a worker that has not claimed it within this time goes to another
# (its worker was busy); the late task then finds it taken and does nothing.
GENERATION_RESERVATION_SECONDS = env_float("GENERATION_RESERVATION_SECONDS", 5.0, minimum=0.5)
GENERATION_CONTINUE_SECONDS = env_int("GENERATION_CONTINUE_SECONDS", 600, minimum=0)
# Across all jobs at once (0: no cap beyond each job's own concurrency). With a cap,
# higher-priority jobs take the free slots first.
GENERATION_MAX_IN_FLIGHT = env_int("GENERATION_MAX_IN_FLIGHT", 0, minimum=0)
# Run each conversation inside the dispatching process instead of queueing it (tests, and
# single-process runs); the same claim, call and store code runs either way.
GENERATION_INLINE = env_bool("GENERATION_INLINE", False)
# Batch mode (generation/batches.py). A batch whose create call got no answer is looked for
# among the account's batches after this long (longer than a create call may take) and
# adopted, or its conversations are given back to pending.
GENERATION_BATCH_ORPHAN_SECONDS = env_float("GENERATION_BATCH_ORPHAN_SECONDS", 300.0, minimum=0.0)
if GENERATION_BATCH_ORPHAN_SECONDS and GENERATION_BATCH_ORPHAN_SECONDS <= CLAUDE_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        "GENERATION_BATCH_ORPHAN_SECONDS must exceed CLAUDE_TIMEOUT_SECONDS "
        f"({GENERATION_BATCH_ORPHAN_SECONDS} and {CLAUDE_TIMEOUT_SECONDS}): a create call still "
        "in flight would be taken for lost"
    )
# The Message Batches API's limits per batch: 100,000 requests and 256 MB; a job's batches
# are split to stay under both (the bytes with a margin for the envelope).
GENERATION_BATCH_MAX_REQUESTS = env_int("GENERATION_BATCH_MAX_REQUESTS", 100_000, minimum=1)
GENERATION_BATCH_MAX_BYTES = env_int("GENERATION_BATCH_MAX_BYTES", 250_000_000, minimum=10_000)
# Expected reply size, for estimates: ~120 words from Elena and ~60 from the client per turn,
# plus the JSON keys around them.
EXPECTED_OUTPUT_TOKENS_PER_TURN = 320
# Seconds one real call takes, for time estimates (the spec measured 30-90 s, average 60).
EXPECTED_SECONDS_PER_CALL = env_float("EXPECTED_SECONDS_PER_CALL", 60.0, minimum=0.0)

REDIS_URL = env_str("REDIS_URL") or None
# The ORM broker keeps each cluster's heartbeat (django-q2's Stat) in this cache: a file cache
# under the data folder, so the admin's job page sees workers running in other processes.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "qcluster": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache" / "qcluster",
    },
}
# django-q2's options, of several kinds (the ones read elsewhere, timeout and retry, are ints).
Q_CLUSTER: dict[str, Any] = {
    "name": "eidataset",
    "workers": env_int("Q_WORKERS", 4, minimum=1),
    # A task is killed after its time going on to further conversations plus the longest
    # call (and a minute to store it)...
    "timeout": GENERATION_CALL_SECONDS + 60 + GENERATION_CONTINUE_SECONDS,
    # ...before the broker would think it lost and redeliver it.
    "retry": GENERATION_CALL_SECONDS + 120 + GENERATION_CONTINUE_SECONDS,
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": -1,  # successes are recorded as generation attempts; failures are kept
    "recycle": 200,
    "poll": 0.2,
    **({"redis": REDIS_URL} if REDIS_URL else {"orm": "default", "cache": "qcluster"}),
    # A cluster pulls a task only when one of its workers is free (generation/broker.py).
    "broker_class": f"generation.broker.Gated{'Redis' if REDIS_URL else 'ORM'}",
}

# --- Quality ---------------------------------------------------------------------------
# The spec: "quality_score >= 7.0"; below it a conversation is flagged for review.
QUALITY_THRESHOLD = env_float("QUALITY_THRESHOLD", 7.0, minimum=0.0)
# The admin's quality report page computes a selection of at most this many completed
# conversations inside the request (a few seconds; no qcluster needed); a larger one goes to
# a worker (about 50 s for 10,000) and the page shows the kept report. 0: always a worker.
QUALITY_REPORT_INLINE_MAX = env_int("QUALITY_REPORT_INLINE_MAX", 500, minimum=0)
# Near-duplicate conversations (review/diversity.py): pairs whose word-shingle Jaccard
# similarity reaches the threshold are reported; MinHash with this many permutations (a
# signature of 4 bytes each per conversation), over shingles of this many words.
NEAR_DUPLICATE_THRESHOLD = env_float("NEAR_DUPLICATE_THRESHOLD", 0.8, minimum=0.05)
NEAR_DUPLICATE_NUM_PERM = env_int("NEAR_DUPLICATE_NUM_PERM", 128, minimum=16)
NEAR_DUPLICATE_SHINGLE_WORDS = env_int("NEAR_DUPLICATE_SHINGLE_WORDS", 5, minimum=1)
# The spec's manual review: "Sample 10% of conversations (10 out of 100)".
REVIEW_SAMPLE_FRACTION = env_float("REVIEW_SAMPLE_FRACTION", 0.1, minimum=0.001)
# The review page keeps an item's automated checks and judge verdicts out of sight until its
# reviewer has saved the checklist, so that they cannot anchor the reviewer's own judgement.
REVIEW_SHOW_RESULTS_BEFORE_SAVE = env_bool("REVIEW_SHOW_RESULTS_BEFORE_SAVE", False)

# --- Releases --------------------------------------------------------------------------
# Where `export_release` writes <name>/, <name>.zip and <name>.tar.gz.
RELEASE_DIR = env_path("RELEASE_DIR", DATA_DIR / "releases", base=BASE_DIR)
# Building and publishing a release from the admin are django-q2 tasks the page follows; true
# runs them at once inside the request (tests, single-process trials) through django-q2's sync.
RELEASE_TASKS_SYNC = env_bool("RELEASE_TASKS_SYNC", False)
# The Hub license id written to LICENSE.txt and the dataset card (exports/licenses.py).
RELEASE_LICENSE = env_str("RELEASE_LICENSE", "cc-by-nc-4.0") or "cc-by-nc-4.0"
RELEASE_TITLE = (
    env_str("RELEASE_TITLE", "Emotional Intelligence Conversation Dataset")
    or "Emotional Intelligence Conversation Dataset"
)
# Share of conversations (per tier) in chat/validation.jsonl, and the split's seed.
RELEASE_VALIDATION_FRACTION = env_float("RELEASE_VALIDATION_FRACTION", 0.1, minimum=0.0)
RELEASE_SPLIT_SEED = env_int("RELEASE_SPLIT_SEED", 0)
# Conversations fetched per query while streaming an export.
RELEASE_CHUNK_SIZE = env_int("RELEASE_CHUNK_SIZE", 200, minimum=1)
