"""Keeping a token out of messages and log records while it is in use."""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def scrub(message: str, token: str) -> str:
    return message.replace(token, "[token]") if token else message


# The HTTP libraries log response headers at DEBUG; should a Hub ever repeat the credentials
# there, the token must still not reach a log record. While a publication runs, every record's
# text is scrubbed of its token.
_hidden: list[str] = []
_hidden_lock = threading.Lock()
_make_record = logging.getLogRecordFactory()


def _scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    if _hidden:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record
        for token in list(_hidden):
            if token in message:
                message = scrub(message, token)
                record.msg, record.args = message, None
    return record


logging.setLogRecordFactory(_scrubbed_record)


@contextmanager
def hidden_from_logs(token: str) -> Iterator[None]:
    with _hidden_lock:
        _hidden.append(token)
    try:
        yield
    finally:
        with _hidden_lock:
            _hidden.remove(token)
