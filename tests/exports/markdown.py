"""Reading a dataset card back: its YAML header and body, a section, a markdown table."""

import re

import yaml


def split_card(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    header, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(header), body


def section(body: str, heading: str) -> str:
    """The text under a markdown heading, up to the next heading of any level (a "# "
    line inside a fenced code block is a comment, not a heading)."""
    lines, inside, in_code = [], None, False
    for line in body.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        is_heading = not in_code and re.match(r"#+ ", line)
        if is_heading and inside:
            break
        if inside:
            lines.append(line)
        if is_heading and line.split(" ", 1)[1] == heading:
            inside = True
    assert inside, f"no section {heading!r}"
    return "\n".join(lines)


def table(text: str) -> list[list[str]]:
    """The rows of the first markdown table in text (header and rule skipped), cells
    unescaped; a cell count that differs from the header's means a broken table."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert lines, "no table"
    rows = [
        [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in lines
    ]
    width = len(rows[0])
    assert all(len(row) == width for row in rows), rows
    assert set(lines[1]) <= set("|-: ")
    return rows[2:]
