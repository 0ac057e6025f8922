from __future__ import annotations

from pathlib import Path

import pytest

from app.ingestion.types import ExtractedText
from app.storage.files import DocumentFiles

DOC_ID = "ab" * 32


def test_pdf_and_text_round_trip_per_workspace(tmp_path: Path) -> None:
    files = DocumentFiles(tmp_path)
    files.save_pdf("ws1", DOC_ID, b"%PDF-1.7 ...", "contract.pdf")
    text = ExtractedText.from_pages(DOC_ID, "contract.pdf", ["page one", "page two"])
    files.save_text("ws1", text)
    assert files.load_pdf("ws1", DOC_ID) == (b"%PDF-1.7 ...", "contract.pdf")
    assert files.load_text("ws1", DOC_ID) == text
    assert files.load_pdf("ws2", DOC_ID) is None
    assert files.load_text("ws2", DOC_ID) is None


def test_erase_leaves_no_file_behind(tmp_path: Path) -> None:
    files = DocumentFiles(tmp_path)
    files.save_pdf("ws1", DOC_ID, b"%PDF-1.7 secret", "contract.pdf")
    files.erase("ws1", DOC_ID)
    assert files.load_pdf("ws1", DOC_ID) is None
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("bad", ["../etc", "a/b", ""])
def test_ids_that_are_not_digests_never_become_paths(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="hex digests"):
        DocumentFiles(tmp_path).folder("ws1", bad)
