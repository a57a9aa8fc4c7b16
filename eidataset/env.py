"""Typed readers for settings that come from the environment.

Each reader fails loudly (ImproperlyConfigured naming the variable) on a value it cannot
parse, so a typo in a deployment stops the process at start-up instead of running with a
silently different configuration.
"""

import json
import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value.strip()


def env_required(name: str, reason: str) -> str:
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set: {reason}")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no)")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    value = env_str(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below its minimum {minimum}")
    return number


def env_float(name: str, default: float, minimum: float | None = None) -> float:
    value = env_str(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below its minimum {minimum}")
    return number


def env_json(name: str, default: Any) -> Any:
    value = env_str(name)
    if not value:
        return default
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {error}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path, base: Path) -> Path:
    """A folder path; relative values are read from `base` (the project folder)."""
    value = env_str(name)
    path = Path(value).expanduser() if value else default
    return path if path.is_absolute() else (base / path)


def database_from_url(url: str | None, sqlite_path: Path) -> dict:
    """Django's DATABASES["default"] from DATABASE_URL; SQLite in the data folder without one.

    SQLite gets WAL, a busy timeout and IMMEDIATE transactions so that several worker
    processes writing at once wait for each other instead of failing on "database is locked".
    """
    import dj_database_url

    if url:
        try:
            config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        except ValueError as error:
            raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Tests on a file, not in memory, so worker processes they start share the database.
        # One file per test run (by process id), so two runs in one checkout do not collide.
        test_name = f"test-db-{os.getpid()}.sqlite3"
        config["TEST"] = {"NAME": str(Path(config["NAME"]).with_name(test_name))}
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config
