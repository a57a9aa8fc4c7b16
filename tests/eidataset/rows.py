"""Posting the structured inputs (eidataset/structured.py) as a browser does: one list per
column, named FIELD-COLUMN."""

from typing import Any


def posted(field: str, rows: list[dict[str, str]]) -> dict[str, list[str]]:
    columns = {column for row in rows for column in row}
    return {f"{field}-{column}": [row.get(column, "") for row in rows] for column in columns}


def shown(form: Any, field: str) -> list[dict[str, str]]:
    """The rows a change page shows for `field` (what a browser would send back unchanged)."""
    return form[field].value()
