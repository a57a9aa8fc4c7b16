"""Typed readers for settings that come from the environment.

Each reader fails loudly (ImproperlyConfigured naming the variable) on a value it cannot
parse, so a typo in a deployment stops the process at start-up instead of running with a
silently different configuration.
"""

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from dj_database_url import DBConfig

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
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


POOLERS = ("auto", "transaction", "none")
# Supabase's transaction-mode pooler listens on this port (its direct connection on 5432).
TRANSACTION_POOLER_PORT = 6543


def database_from_url(url: str | None, sqlite_path: Path, pooler: str = "auto") -> "DBConfig":
    """Django's DATABASES["default"] from DATABASE_URL; SQLite in the data folder without one.

    SQLite gets WAL, a busy timeout and IMMEDIATE transactions so that several worker
    processes writing at once wait for each other instead of failing on "database is locked".
    PostgreSQL behind a transaction-mode pooler (see `pooled`) keeps no state between
    transactions: no prepared statements, no server-side cursors.
    """
    import dj_database_url

    if pooler not in POOLERS:
        raise ImproperlyConfigured(f"DATABASE_POOLER={pooler!r} is not one of {', '.join(POOLERS)}")
    config: DBConfig
    if url:
        url, flagged = _without_pgbouncer_flag(url)
        try:
            config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        except ValueError as error:
            raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
        if config["ENGINE"] == "django.db.backends.postgresql" and pooled(config, flagged, pooler):
            _for_transaction_pooler(config)
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


def _without_pgbouncer_flag(url: str) -> tuple[str, bool]:
    """The URL without its `pgbouncer=true` (Supabase's strings carry it; psycopg does not
    know it), and whether it was there."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key == "pgbouncer" for key, _ in query):
        return url, False  # untouched: urlunsplit would turn sqlite://// into sqlite://
    kept = [(key, value) for key, value in query if key != "pgbouncer"]
    flagged = any(key == "pgbouncer" and value.lower() == "true" for key, value in query)
    return urlunsplit(parts._replace(query=urlencode(kept))), flagged


def pooled(config: "DBConfig", flagged: bool, pooler: str) -> bool:
    """Whether the URL reaches PostgreSQL through a transaction-mode pooler: DATABASE_POOLER
    says so (`transaction` or `none`), or, left at `auto`, the URL does (port 6543 or
    `pgbouncer=true`, as Supabase's pooler strings have)."""
    if pooler != "auto":
        return pooler == "transaction"
    return flagged or config.get("PORT") == TRANSACTION_POOLER_PORT


def _for_transaction_pooler(config: "DBConfig") -> None:
    # Each transaction may run on another server connection: a statement prepared on one
    # (psycopg prepares after a few runs of the same query) or a cursor held open across
    # transactions (QuerySet.iterator() on PostgreSQL) is not there on the next.
    config["OPTIONS"] = {**config.get("OPTIONS", {}), "prepare_threshold": None}
    config["DISABLE_SERVER_SIDE_CURSORS"] = True
