"""PDF text extraction with pypdf, page by page, with a clear reason for every bad file."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import Protocol

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

from app.errors import BadDocumentError, PayloadTooLargeError, UnsupportedMediaError
from app.ingestion.hidden import HiddenTextFinder
from app.ingestion.types import ExtractedText

PDF_MAGIC = b"%PDF-"
MIN_TEXT_CHARS = 40

# pypdf reports recoverable damage as warnings through logging; the reason we return is enough.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfParser(Protocol):
    """Turns PDF bytes into text per page with character offsets."""

    def parse(self, data: bytes, filename: str) -> ExtractedText: ...

    def close(self) -> None: ...


def document_id_for(data: bytes) -> str:
    """Return the document id: the sha256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


def check_pdf_bytes(data: bytes) -> None:
    """Refuse bytes that are not a PDF before any parser sees them."""
    if not data:
        raise BadDocumentError("empty file (0 bytes)")
    if PDF_MAGIC not in data[:1024]:
        raise UnsupportedMediaError("not a PDF (no %PDF- header)")


def open_pdf(data: bytes, max_pages: int) -> PdfReader:
    """Open PDF bytes for reading; refuse encrypted, unreadable, empty or over-long files."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise BadDocumentError("encrypted PDF (a password is needed to read it)")
        n_pages = len(reader.pages)
    except BadDocumentError:
        raise
    except FileNotDecryptedError as exc:
        raise BadDocumentError("encrypted PDF (a password is needed to read it)") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise BadDocumentError(f"corrupt or truncated PDF ({_short(exc)})") from exc
    if n_pages == 0:
        raise BadDocumentError("PDF has zero pages")
    if n_pages > max_pages:
        raise PayloadTooLargeError(f"PDF has {n_pages} pages, more than the limit {max_pages}")
    return reader


# Unicode spaces become plain spaces one for one, so offsets stay simple and regexes work.
_UNICODE_SPACES = "\xa0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f"
_SPACES = str.maketrans(dict.fromkeys(_UNICODE_SPACES + "\u205f\u3000", " "))


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").translate(_SPACES)


class PypdfParser:
    """The reference parser: pypdf, tolerant of small damage, strict about unreadable files."""

    def __init__(self, max_pages: int = 1000) -> None:
        self.max_pages = max_pages

    def close(self) -> None:
        """Release nothing: this parser runs in the calling process."""

    def parse(self, data: bytes, filename: str) -> ExtractedText:
        """Extract the text of every page; raise BadDocumentError with a reason when it cannot."""
        check_pdf_bytes(data)
        reader = open_pdf(data, self.max_pages)
        page_texts, hidden = self._page_texts(reader)
        if sum(len(t.strip()) for t in page_texts) < MIN_TEXT_CHARS:
            raise BadDocumentError("no text layer (scanned or image-only PDF; OCR is not enabled)")
        return ExtractedText.from_pages(document_id_for(data), filename, page_texts, hidden)

    def _page_texts(self, reader: PdfReader) -> tuple[list[str], list[list[tuple[int, int]]]]:
        texts, hidden = [], []
        for number, page in enumerate(reader.pages, start=1):
            finder = HiddenTextFinder()
            try:
                text = _clean(
                    page.extract_text(
                        visitor_operand_before=finder.before, visitor_text=finder.text
                    )
                    or ""
                )
            except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError) as exc:
                raise BadDocumentError(
                    f"corrupt or truncated PDF (page {number}: {_short(exc)})"
                ) from exc
            texts.append(text)
            hidden.append(finder.spans(text, _clean))
        return texts, hidden


def _short(exc: Exception) -> str:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return message[:120]


def read_pdf(path: Path, parser: PdfParser) -> ExtractedText:
    """Read a file from disk and parse it; unreadable paths become BadDocumentError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadDocumentError(f"cannot read file ({exc.strerror or exc})") from exc
    return parser.parse(data, path.name)
