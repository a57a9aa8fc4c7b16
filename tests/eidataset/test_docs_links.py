"""The README and docs/ link only to files a clone has: no ../shared, no /work, no dead link."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#+ (.+)$", re.M)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def anchor(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def local_links(document: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(document.read_text(encoding="utf-8"))
        if not re.match(r"[a-z]+:", target)
    ]


def test_the_docs_folder_holds_the_architecture_and_the_formats():
    names = {path.name for path in documents()}
    assert {"architecture.md", "formats.md"} <= names


def test_no_document_points_outside_the_repository():
    for document in documents():
        text = document.read_text(encoding="utf-8")
        assert "../shared" not in text, document
        assert "/work/" not in text, document


def test_every_local_link_reaches_a_file_and_heading_of_the_repository():
    for document in documents():
        for target in local_links(document):
            path, _, fragment = target.partition("#")
            file = (document.parent / path).resolve() if path else document
            assert file.is_file(), f"{document.name} links to missing {target}"
            assert ROOT in file.parents or file == ROOT, target
            if fragment and file.suffix == ".md":
                ids = {anchor(h) for h in HEADING.findall(file.read_text(encoding="utf-8"))}
                assert fragment in ids, f"{document.name} links to missing heading {target}"
