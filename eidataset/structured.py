"""Free-form JSON edited as labelled inputs instead of a raw JSON box.

A `RowsField` shows a JSONField as a table of rows, one input per column (a persona's
demographics as key/value rows, an edge case's rules one per row). The browser posts each
column as a list (``rules-kind``, ``rules-pattern``...); the field turns the rows back into the
stored JSON and says which row is wrong. A failed submit shows the rows as they were typed.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class PostedRows(list):
    """Rows as the browser sent them (lists of texts by column), before they are parsed."""


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    choices: Sequence[tuple[str, str]] = ()  # a select when given
    multiline: bool = False
    number: bool = False
    width: str = ""  # the column's share of the table, e.g. "20%"

    @property
    def is_select(self) -> bool:
        return bool(self.choices)


class RowsWidget(forms.Widget):
    template_name = "eidataset/widgets/rows.html"
    extra = 2  # blank rows to type into without JavaScript

    class Media:
        css = {"all": ("eidataset/rows.css",)}
        js = ("eidataset/rows.js",)

    def __init__(self, columns: Sequence[Column], add_label: str = "Add a row") -> None:
        super().__init__()
        self.columns = tuple(columns)
        self.add_label = add_label

    def value_from_datadict(self, data: Any, files: Any, name: str) -> PostedRows | None:
        getlist = getattr(data, "getlist", None)
        if getlist is None or not any(f"{name}-{c.name}" in data for c in self.columns):
            return None
        lists = {column.name: getlist(f"{name}-{column.name}") for column in self.columns}
        length = max(len(values) for values in lists.values())
        rows = PostedRows()
        for index in range(length):
            row = {key: got[index] if index < len(got) else "" for key, got in lists.items()}
            if any(row[c.name].strip() for c in self.columns if not c.is_select):
                rows.append(row)
        return rows

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{column.name}" in data for column in self.columns)

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rows = list(value or []) + [{}] * self.extra
        context["widget"].update(
            columns=self.columns,
            add_label=self.add_label,
            rows=[[cell(c, row.get(c.name, "")) for c in self.columns] for row in rows],
        )
        return context

    def format_value(self, value: Any) -> Any:
        return value


def cell(column: Column, value: Any) -> dict[str, Any]:
    text = str(value)
    return {"column": column, "value": text, "lines": min(8, max(1, text.count("\n") + 1))}


class RowsField(forms.Field):
    """Base: subclasses say how a stored value becomes rows (`to_rows`) and back (`parse`)."""

    columns: Sequence[Column] = ()
    add_label = "Add a row"

    def __init__(self, **kwargs: Any) -> None:
        for unused in ("encoder", "decoder"):  # given by models.JSONField.formfield
            kwargs.pop(unused, None)
        # A callable default (list, dict) asks for a hidden copy of the initial value, which
        # would be this field's Python value as text; has_changed compares with the instance.
        kwargs["show_hidden_initial"] = False
        kwargs.setdefault("widget", RowsWidget(self.columns, self.add_label))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, PostedRows):
            return value
        return self.to_rows(value)

    def to_python(self, value: Any) -> Any:
        if value is None:
            return self.empty_value()
        if not isinstance(value, PostedRows):
            return value  # already stored JSON (e.g. a form built with data=initial)
        errors: list[str] = []
        parsed = self.parse(value, errors)
        if errors:
            raise ValidationError(errors)
        return parsed

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != (initial if initial is not None else self.empty_value())
        except ValidationError:
            return True

    def empty_value(self) -> Any:
        return []

    def to_rows(self, value: Any) -> list[dict[str, str]]:
        raise NotImplementedError

    def parse(self, rows: list[dict[str, str]], errors: list[str]) -> Any:
        raise NotImplementedError


# --- key/value rows: a persona's demographics and finances ------------------------------

VALUE_TYPES = (
    ("text", "Text"),
    ("number", "Number"),
    ("list", "List (one per line)"),
    ("yes_no", "Yes / no"),
    ("json", "JSON"),
)
YES = {"yes": True, "true": True, "no": False, "false": False}


def value_type(value: Any) -> str:
    """How a stored value is typed in: the simplest input that gives it back unchanged."""
    if isinstance(value, bool):
        return "yes_no"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str) and "\n" not in value:
        return "text"
    if isinstance(value, list) and all(
        isinstance(item, str) and item.strip() and "\n" not in item for item in value
    ):
        return "list"
    return "json"


def typed_text(value: Any, kind: str) -> str:
    if kind == "yes_no":
        return "yes" if value else "no"
    if kind == "list":
        return "\n".join(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, indent=2)
    return str(value)


def parse_number(text: str) -> int | float:
    """``72000``, ``72,000``, ``$1,800.50`` or ``0.8``: a JSON number."""
    cleaned = text.strip().lstrip("$").replace(",", "").replace("_", "")
    try:
        return int(cleaned)
    except ValueError:
        pass
    number = float(cleaned)  # ValueError for words
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return number


def parse_typed(text: str, kind: str) -> Any:
    """The stored value for what was typed under `kind`; ValueError with a sentence if unfit."""
    if kind == "text":
        return text.strip()
    if kind == "number":
        try:
            return parse_number(text)
        except ValueError:
            raise ValueError(f"“{text.strip()}” is not a number") from None
    if kind == "list":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if kind == "yes_no":
        answer = YES.get(text.strip().lower())
        if answer is None:
            raise ValueError("answer yes or no")
        return answer
    if kind == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"is not valid JSON ({error.msg}, line {error.lineno})") from None
    raise ValueError(f"“{kind}” is not a kind of value")


class KeyValueField(RowsField):
    """A mapping as rows of name, kind of value and value."""

    columns = (
        Column("key", "Name", width="25%"),
        Column("type", "Kind of value", choices=VALUE_TYPES, width="20%"),
        Column("value", "Value", multiline=True, width="52%"),
    )
    add_label = "Add a field"

    def empty_value(self) -> Any:
        return {}

    def to_rows(self, value: Any) -> list[dict[str, str]]:
        if not isinstance(value, Mapping):
            return []
        rows = []
        for key, item in value.items():
            kind = value_type(item)
            rows.append({"key": str(key), "type": kind, "value": typed_text(item, kind)})
        return rows

    def parse(self, rows: list[dict[str, str]], errors: list[str]) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        seen: set[str] = set()
        for number, row in enumerate(rows, start=1):
            key = row["key"].strip()
            if not key:
                errors.append(f"Row {number}: give the value a name.")
                continue
            if key in seen:
                errors.append(f"Row {number}: “{key}” is named twice.")
                continue
            seen.add(key)
            try:
                mapping[key] = parse_typed(row["value"], row["type"])
            except ValueError as error:
                errors.append(f"Row {number} ({key}): {error}.")
        return mapping


class LinesField(forms.CharField):
    """A list of texts typed one per line."""

    def __init__(self, **kwargs: Any) -> None:
        for unused in ("encoder", "decoder"):  # given by models.JSONField.formfield
            kwargs.pop(unused, None)
        # A callable default (list, dict) asks for a hidden copy of the initial value, which
        # would be this field's Python value as text; has_changed compares with the instance.
        kwargs["show_hidden_initial"] = False
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"}))
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    # A CharField (for its text handling) that cleans to a list of lines.
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]  # list, not str
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(data) != (initial or [])
