from __future__ import annotations

import pytest

from app.ingestion.pdf import PypdfParser
from tests.conftest import SAMPLE_PDF
from tests.support.injection import INSTRUCTIONS, inject


@pytest.mark.parametrize("how", ["white", "invisible", "tiny"])
def test_text_a_reader_cannot_see_is_marked_hidden(how: str) -> None:
    pdf = inject(SAMPLE_PDF.read_bytes(), 0, INSTRUCTIONS[0], how)  # type: ignore[arg-type]
    doc = PypdfParser().parse(pdf, "a.pdf")
    [(start, end)] = doc.hidden
    assert doc.text[start:end] == INSTRUCTIONS[0]
    assert doc.page_at(start) == 1


def test_visible_text_and_untouched_contracts_have_nothing_hidden() -> None:
    assert PypdfParser().parse(SAMPLE_PDF.read_bytes(), "a.pdf").hidden == ()
    shown = inject(SAMPLE_PDF.read_bytes(), 0, INSTRUCTIONS[0], "visible")
    doc = PypdfParser().parse(shown, "a.pdf")
    assert INSTRUCTIONS[0] in doc.text and doc.hidden == ()


def test_a_page_of_invisible_text_is_an_ocr_layer_not_an_attack() -> None:
    from app.ingestion.hidden import HiddenTextFinder

    finder = HiddenTextFinder()
    finder.before(b"Tr", [3], None, None)
    identity = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    for line in ("SUPPLY AGREEMENT", "between Acme and Widget"):
        finder.text(line, identity, identity, None, 12.0)
    assert finder.spans("SUPPLY AGREEMENT\nbetween Acme and Widget", lambda t: t) == []
