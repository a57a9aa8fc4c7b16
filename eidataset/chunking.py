"""Source documents: reading an upload as text and splitting it into context chunks.

Chunks break at paragraph, then sentence, then word boundaries, never exceed the size in
characters, and each after the first repeats the tail of the one before (the overlap) so a
scenario prompt built on one chunk does not start mid-thought.
"""

import io
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import PurePath
from typing import IO

from django.core.exceptions import ValidationError

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
PDF_SUFFIX = ".pdf"
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


@dataclass(frozen=True)
class Piece:
    text: str
    separator: str  # what joins it to the piece before it in the same chunk


def split_into_chunks(text: str, size: int, overlap: int) -> list[str]:
    """Split `text` into chunks of at most `size` characters, overlapping by up to `overlap`."""
    if size < 1 or overlap < 0 or overlap * 2 > size:
        raise ValueError(f"chunk size {size} and overlap {overlap}: overlap must be at most half")
    budget = size - overlap
    bodies = _pack(_pieces(_normalise(text), budget), budget)
    chunks = bodies[:1]
    for previous, body in pairwise(bodies):
        tail = _tail(previous, overlap)
        chunks.append(f"{tail} {body}" if tail else body)
    return chunks


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return re.sub(r"[ \t]+\n", "\n", text).strip()


def _pieces(text: str, limit: int) -> list[Piece]:
    pieces = []
    for paragraph in re.split(r"\n\s*\n", text):
        separator = "\n\n"
        for sentence in _SENTENCE_END.split(paragraph.strip()):
            for part in _fit(sentence, limit):
                pieces.append(Piece(part, separator))
                separator = " "
    return [piece for piece in pieces if piece.text]


def _fit(sentence: str, limit: int) -> list[str]:
    """A sentence as parts of at most `limit` characters, cut between words where it can."""
    parts: list[str] = []
    current = ""
    for word in sentence.split(" "):
        while len(word) > limit:  # a URL or unspaced script longer than a chunk
            if current:
                parts.append(current)
                current = ""
            parts.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) > limit:
            parts.append(current)
            current = word
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def _pack(pieces: list[Piece], limit: int) -> list[str]:
    bodies: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{piece.separator}{piece.text}" if current else piece.text
        if len(candidate) > limit and current:
            bodies.append(current)
            current = piece.text
        else:
            current = candidate
    if current:
        bodies.append(current)
    return bodies


def _tail(text: str, overlap: int) -> str:
    if overlap == 0:
        return ""
    tail = text[-overlap:]
    if len(tail) < len(text) and " " in tail:
        tail = tail.split(" ", 1)[1]  # start on a whole word
    return tail.strip()


# --- uploads ---------------------------------------------------------------------------


def read_upload(upload: IO[bytes], name: str, size: int, max_bytes: int) -> str:
    """The text of an uploaded .txt, .md or .pdf file, or a ValidationError saying why not."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in TEXT_SUFFIXES | {PDF_SUFFIX}:
        allowed = ", ".join(sorted(TEXT_SUFFIXES | {PDF_SUFFIX}))
        raise ValidationError(f"“{name}” is not a text, Markdown or PDF file ({allowed}).")
    if size > max_bytes:
        raise ValidationError(
            f"“{name}” is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.1f} MB."
        )
    data = upload.read(max_bytes + 1)
    if not data.strip():
        raise ValidationError(f"“{name}” is empty.")
    text = _pdf_text(name, data) if suffix == PDF_SUFFIX else _plain_text(name, data)
    if not text.strip():
        raise ValidationError(f"“{name}” contains no text.")
    return _normalise(text)


def _plain_text(name: str, data: bytes) -> str:
    if b"\x00" in data:
        raise ValidationError(f"“{name}” is a binary file, not text. Upload .txt, .md or .pdf.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"“{name}” is not UTF-8 text (byte {error.start + 1} cannot be read). "
            "Save it as UTF-8 and upload it again."
        ) from None


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.startswith(b"%PDF"):
        raise ValidationError(f"“{name}” is not a PDF file.")
    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, OSError) as error:
        raise ValidationError(f"“{name}” could not be read as a PDF ({error}).") from None
    if not text.strip():
        raise ValidationError(f"“{name}” has no extractable text (is it a scanned image?).")
    return text
