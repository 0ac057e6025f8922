"""Text a reader of the PDF cannot see: invisible render mode, white fill, or microscopic size.
Such text can carry instructions meant for a model (prompt injection) or a clause no signatory
ever saw, so the review masks it and the report flags it.

A page whose text is mostly invisible is an OCR layer over a scan (render mode 3 is how OCR
tools place their text): that is the page's real text and is not flagged. Text placed off the
page is not detected: inside form XObjects pypdf reports matrices without the outer
transformation, so positions cannot be trusted (HTML-to-PDF tools put whole pages there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

WHITE = 0.95  # fill components at least this light (k: this dark) count as white
MIN_SIZE_PT = 1.0  # effective font size below this is unreadable
OCR_SHARE = 0.5  # a page more hidden than this is an OCR layer


def _floats(args: Sequence[Any]) -> list[float]:
    try:
        return [float(a) for a in args]
    except (TypeError, ValueError):
        return []


class HiddenTextFinder:
    """Follows the graphics state through pypdf's text extraction and records, for each text
    chunk it shows, whether a reader could see it."""

    def __init__(self) -> None:
        self.mode = 0
        self.white = False
        self._stack: list[tuple[int, bool]] = []
        self.chunks: list[tuple[str, bool]] = []

    def before(self, operator: bytes, args: Sequence[Any], _cm: Any, _tm: Any) -> None:
        """pypdf's `visitor_operand_before`: track render mode and fill colour."""
        if operator == b"q":
            self._stack.append((self.mode, self.white))
        elif operator == b"Q" and self._stack:
            self.mode, self.white = self._stack.pop()
        elif operator == b"Tr" and args:
            self.mode = int(_floats(args[:1])[0]) if _floats(args[:1]) else self.mode
        elif operator in (b"g", b"rg", b"sc", b"scn"):
            values = _floats(args)
            if len(values) in (1, 3):
                self.white = all(v >= WHITE for v in values)
        elif operator == b"k":
            values = _floats(args)
            if len(values) == 4:
                self.white = all(v <= 1 - WHITE for v in values)

    def text(
        self, text: str, cm: Sequence[float], tm: Sequence[float], _font: Any, size: float
    ) -> None:
        """pypdf's `visitor_text`: one chunk of shown text and whether it is visible."""
        if not text:
            return
        scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
        tiny = 0 < float(size or 0) * scale < MIN_SIZE_PT
        hidden = self.mode in (3, 7) or self.white or tiny
        self.chunks.append((text, hidden))

    def spans(self, page_text: str, clean: Any) -> list[tuple[int, int]]:
        """Hidden spans as offsets into the cleaned page text (merged, whitespace-trimmed);
        [] for an OCR layer."""
        found: list[tuple[int, int]] = []
        cursor = 0
        for raw, hidden in self.chunks:
            chunk = clean(raw).strip()
            if not chunk:
                continue
            at = page_text.find(chunk, cursor)
            if at < 0:
                continue
            cursor = at + len(chunk)
            if not hidden:
                continue
            if found and not page_text[found[-1][1] : at].strip():
                found[-1] = (found[-1][0], cursor)
            else:
                found.append((at, cursor))
        visible = sum(1 for c in page_text if not c.isspace())
        masked = sum(1 for a, b in found for c in page_text[a:b] if not c.isspace())
        if visible and masked / visible > OCR_SHARE:
            return []
        return found
