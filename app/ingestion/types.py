"""Frozen values passed between ingestion stages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PAGE_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class PageSpan:
    """Where one page's text sits in the document text (1-based page number)."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class ExtractedText:
    """A document's text as served by the API; offsets of every finding index into `text`."""

    document_id: str
    filename: str
    text: str
    pages: tuple[PageSpan, ...]
    # Spans of text a reader cannot see (invisible render mode, white, microscopic, off-page).
    hidden: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_pages(
        cls,
        document_id: str,
        filename: str,
        page_texts: list[str],
        page_hidden: list[list[tuple[int, int]]] | None = None,
    ) -> ExtractedText:
        """Join page texts with the page separator and record where each page sits;
        `page_hidden` holds each page's hidden spans, as offsets into that page's text."""
        pages: list[PageSpan] = []
        hidden: list[tuple[int, int]] = []
        offset = 0
        for number, text in enumerate(page_texts, start=1):
            pages.append(PageSpan(number=number, start=offset, end=offset + len(text)))
            for start, end in (page_hidden or [])[number - 1] if page_hidden else []:
                hidden.append((offset + start, offset + end))
            offset += len(text) + len(PAGE_SEPARATOR)
        joined = PAGE_SEPARATOR.join(page_texts)
        return cls(document_id, filename, joined, tuple(pages), tuple(hidden))

    def page_at(self, offset: int) -> int:
        """Return the page number that holds character `offset`."""
        for page in self.pages:
            if offset < page.end + len(PAGE_SEPARATOR):
                return page.number
        return self.pages[-1].number

    def page_text(self, number: int) -> str:
        """Return the text of page `number` (1-based)."""
        page = self.pages[number - 1]
        return self.text[page.start : page.end]


@dataclass(frozen=True)
class Chunk:
    """A clause-aware piece of one page, with its place in the document."""

    document_id: str
    index: int
    text: str
    page: int
    start: int
    end: int
    section: str


@dataclass(frozen=True)
class EmbeddedChunk:
    """A chunk with its unit-length embedding."""

    chunk: Chunk
    vector: npt.NDArray[np.float32]
