"""The request log: one JSON line per request answered, written safely by many processes."""

import fcntl
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def append_request_log(path: Path, entry: Mapping[str, Any]) -> None:
    """One JSON line per request; the lock keeps lines whole when processes share the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log_file:
        fcntl.flock(log_file, fcntl.LOCK_EX)
        try:
            log_file.write(json.dumps(entry) + "\n")
            log_file.flush()
        finally:
            fcntl.flock(log_file, fcntl.LOCK_UN)


def read_request_log(path: Path | str) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as log_file:
        fcntl.flock(log_file, fcntl.LOCK_SH)
        try:
            lines = log_file.read().splitlines()
        finally:
            fcntl.flock(log_file, fcntl.LOCK_UN)
    return [json.loads(line) for line in lines if line.strip()]
