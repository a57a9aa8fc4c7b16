"""Figures as the dataset card's markdown tables show them: safe cells, shares, numbers."""

from collections.abc import Iterable, Mapping

MISSING = "–"


def cell(value: object) -> str:
    """Text safe inside a markdown table cell: pipes escaped, on one line, no raw HTML."""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def share(count: int | float, total: int | float) -> str:
    return f"{100 * count / total:.1f}%" if total else MISSING


def number(value: object) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    return str(value)


def count_rows(counts: Mapping[str, int], total: int, *, keep_order: bool = False) -> list[dict]:
    names: Iterable[str] = (
        counts if keep_order else sorted(counts, key=lambda name: (-counts[name], name))
    )
    return [
        {"name": cell(name), "count": counts[name], "share": share(counts[name], total)}
        for name in names
    ]


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"
