"""The API's JSON parser: bodies whose text the database can store, or a 400 saying why.

PostgreSQL cannot store a NUL character (in text or in jsonb), and no database can encode a
lone UTF-16 surrogate (JSON allows both as escapes, "\\u0000" and "\\ud800"). Refused here,
anywhere in the body, they never reach a query as a server error.
"""

import re
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class StorableJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if _holds_unstorable_text(data):
            raise ParseError(
                "JSON parse error - text holds a NUL character or a lone surrogate, "
                "which cannot be stored."
            )
        return data


def _holds_unstorable_text(data: Any) -> bool:
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if UNSTORABLE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


class IgnoredBodyParser(BaseParser):
    """For operations that take no body: whatever is sent (an empty form, no body at all) is
    read as nothing, so a browser's bodiless POST meets the CSRF check, not a 415."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return {}
