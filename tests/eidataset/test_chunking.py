import io
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError

from eidataset.chunking import read_upload, split_into_chunks

PARAGRAPH = (
    "An emergency fund is money set aside for the unexpected. Most households aim for three "
    "to six months of essential expenses. Start with a first milestone of one thousand "
    "dollars, then build from there. Keep it somewhere boring and reachable."
)


def document(paragraphs: int) -> str:
    return "\n\n".join(f"{number}. {PARAGRAPH}" for number in range(paragraphs))


def test_no_chunk_exceeds_the_size_and_nothing_is_lost():
    text = document(20)
    chunks = split_into_chunks(text, size=600, overlap=100)
    assert len(chunks) > 5
    assert all(len(chunk) <= 600 for chunk in chunks)
    for number in range(20):
        assert any(
            chunk.startswith(f"{number}. ") or f"\n\n{number}. " in chunk for chunk in chunks
        )


def test_each_chunk_repeats_the_tail_of_the_one_before():
    chunks = split_into_chunks(document(10), size=500, overlap=120)
    for previous, current in pairwise(chunks):
        head = current[:40]
        assert head in previous[-160:], (head, previous[-160:])


def test_without_overlap_the_chunks_partition_the_text():
    text = document(8)
    chunks = split_into_chunks(text, size=400, overlap=0)
    words = [word for chunk in chunks for word in chunk.split()]
    assert words == text.split()


def test_a_short_text_is_one_chunk():
    assert split_into_chunks("  Just one line.  ", size=500, overlap=50) == ["Just one line."]


def test_an_empty_text_has_no_chunks():
    assert split_into_chunks(" \n\n ", size=500, overlap=50) == []


def test_unicode_is_counted_in_characters_and_kept_intact():
    text = ("Épargne de précaution 💶 — 預金は大切です。" * 40).strip()
    chunks = split_into_chunks(text, size=250, overlap=40)
    assert all(len(chunk) <= 250 for chunk in chunks)
    assert "💶" in chunks[0] and "預金" in chunks[-1]
    assert "".join(chunks).encode("utf-8").decode("utf-8")


def test_a_word_longer_than_a_chunk_is_cut_rather_than_overflowing():
    url = "https://example.com/" + "x" * 900
    chunks = split_into_chunks(f"See {url} for details.", size=300, overlap=0)
    assert all(len(chunk) <= 300 for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == f"See{url}fordetails."


def test_an_overlap_above_half_the_size_is_refused():
    with pytest.raises(ValueError, match="at most half"):
        split_into_chunks("text", size=300, overlap=200)


def upload(data: bytes, name: str = "guide.md", limit: int = 1_000_000) -> str:
    return read_upload(io.BytesIO(data), name, len(data), limit)


def test_a_markdown_upload_is_read_as_utf8_without_its_bom():
    assert upload("\ufeff# Guide\r\n\r\nSave 10 %.".encode()) == "# Guide\n\nSave 10 %."


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", "is empty"),
        (b"   \n\n ", "blank.md", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.txt", "binary file"),
        ("Ahorro en año".encode("latin-1"), "latin.txt", "not UTF-8 text (byte 12"),
        (b"text", "sheet.xlsx", "not a text, Markdown or PDF file"),
        (b"not really a pdf", "fake.pdf", "not a PDF file"),
        (b"%PDF-1.4 garbage that is no pdf", "broken.pdf", "could not be read as a PDF"),
    ],
)
def test_unreadable_uploads_are_refused_with_a_clear_reason(data, name, message):
    with pytest.raises(ValidationError) as caught:
        upload(data, name)
    assert message in caught.value.messages[0]


def test_an_upload_over_the_limit_is_refused_before_it_is_read():
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("read although too large")

    with pytest.raises(ValidationError, match=r"is 10\.0 MB; the limit is 5\.0 MB"):
        read_upload(Unreadable(), "junk.txt", 10 * 1_048_576, 5 * 1_048_576)


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose page draws `text` in Helvetica, with a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_a_pdf_upload_gives_its_text():
    assert "Keep three months of expenses" in upload(
        minimal_pdf("Keep three months of expenses"), "checklist.pdf"
    )


def test_a_pdf_without_text_is_refused():
    with pytest.raises(ValidationError, match="no extractable text"):
        upload(minimal_pdf(""), "scan.pdf")
