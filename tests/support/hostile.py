"""Hostile uploads for intake tests, each with the refusal a user should see.

`hostile_corpus` maps a file name to (bytes, HTTP status, lowercase fragment of the reason).

Refused at intake, by `PdfSandbox.probe` (PDFs) or `read_zip` (archives):

- empty.pdf       422 "empty file"          (magic-byte check, before any child process)
- not_a_pdf.pdf   415 "not a pdf"           (a PNG; magic-byte check, before any child process)
- corrupt.pdf     422 "corrupt"             (pypdf cannot read it)
- truncated.pdf   422 "truncated"           (the first third of the sample: pypdf 7.1
                                             cannot count its pages, so probe refuses it)
- encrypted.pdf   422 "encrypted"
- zero_pages.pdf  422 "zero pages"
- many_pages.pdf  413 "more than the limit" (one page more than `max_pages`)
- bomb.zip        413 "archive expands to"  (`read_zip` raises: expands to `bomb_mb` MB)
- traversal.zip   422 "unsafe path"         (`read_zip` refuses `../../etc/evil.pdf` and
                                             `/abs.pdf` and takes `good.pdf`, the sample)

Passing intake, refused at full parse (names in `PASSES_PROBE`):

- scanned.pdf     422 "no text layer"       (blank pages: readable, but nothing to review)

Outside the corpus, for the sandbox's limits: `slow_pdf` takes seconds to parse (time limit,
crashes), `bloated_pdf` needs many MB to parse (memory limit). Both pass `probe`.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from tests.conftest import blank_pdf

PASSES_PROBE = frozenset({"scanned.pdf"})
_MB = 1024 * 1024


def hostile_corpus(
    sample: bytes, max_pages: int = 50, bomb_mb: int = 4096
) -> dict[str, tuple[bytes, int, str]]:
    """Return hostile files: name -> (bytes, HTTP status, lowercase fragment of the reason)."""
    return {
        "empty.pdf": (b"", 422, "empty file"),
        "not_a_pdf.pdf": (tiny_png(), 415, "not a pdf"),
        "corrupt.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 40, 422, "corrupt"),
        "truncated.pdf": (sample[: len(sample) // 3], 422, "truncated"),
        "encrypted.pdf": (blank_pdf(1, password="secret"), 422, "encrypted"),
        "zero_pages.pdf": (blank_pdf(0), 422, "zero pages"),
        "many_pages.pdf": (blank_pdf(max_pages + 1), 413, "more than the limit"),
        "scanned.pdf": (blank_pdf(2), 422, "no text layer"),
        "bomb.zip": (zip_bomb(bomb_mb), 413, "archive expands to"),
        "traversal.zip": (traversal_zip(sample), 422, "unsafe path"),
    }


def tiny_png() -> bytes:
    """Return a valid 1x1 grey PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + checksum

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def traversal_zip(sample: bytes) -> bytes:
    """Return a zip with two unsafe entry names holding a valid PDF, and one good entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../etc/evil.pdf", sample)
        archive.writestr("/abs.pdf", sample)
        archive.writestr("good.pdf", sample)
    return buffer.getvalue()


def zip_bomb(expanded_mb: int, declared_mb: int | None = None, name: str = "zeros.pdf") -> bytes:
    """Return a zip of one deflated entry that expands to `expanded_mb` MB of zeros.

    The deflate stream is one compressed MB repeated (a full flush resets the compressor, so
    each MB compresses to the same bytes): 4 GB builds in about a second and weighs 4 MB.
    `declared_mb` makes the headers lie about the expanded size.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    one_mb = compressor.compress(bytes(_MB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    deflated = one_mb * expanded_mb + compressor.flush()
    crc = 0
    zeros = bytes(_MB)
    for _ in range(expanded_mb):
        crc = zlib.crc32(zeros, crc)
    declared = (expanded_mb if declared_mb is None else declared_mb) * _MB
    return _one_entry_zip64(name.encode(), deflated, crc, declared)


def _one_entry_zip64(name: bytes, deflated: bytes, crc: int, size: int) -> bytes:
    # Written by hand because zipfile can only compress the data itself, which takes minutes
    # for gigabytes. Sizes live in the zip64 extra field, so any size can be declared.
    extra = struct.pack("<HHQQ", 1, 16, size, len(deflated))
    local = struct.pack(
        "<4s2B4HL2L2H", b"PK\x03\x04", 45, 0, 0, 8, 0, 0x21, crc, 2**32 - 1, 2**32 - 1,
        len(name), len(extra),
    )  # fmt: skip
    central = struct.pack(
        "<4s4B4HL2L5H2L", b"PK\x01\x02", 45, 3, 45, 0, 0, 8, 0, 0x21, crc, 2**32 - 1,
        2**32 - 1, len(name), len(extra), 0, 0, 0, 0, 0,
    )  # fmt: skip
    body = local + name + extra + deflated
    directory = central + name + extra
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(body), 0
    )  # fmt: skip
    return body + directory + end


def slow_pdf(lines: int = 200_000) -> bytes:
    """Return a one-page PDF of `lines` text lines: a few KB that take seconds to parse."""
    return _text_page(b"BT /F1 12 Tf 72 700 Td " + b"(Hello world) Tj 0 -1 Td " * lines + b"ET")


def bloated_pdf(content_mb: int) -> bytes:
    """Return a one-page PDF of a few KB whose content stream inflates to `content_mb` MB."""
    return _text_page(b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET\n" + b" " * (content_mb * _MB))


def _text_page(content: bytes) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    stream = DecodedStreamObject()
    stream.set_data(content)
    page.replace_contents(stream.flate_encode())
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
