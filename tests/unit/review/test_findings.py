from __future__ import annotations

from app.ingestion.types import ExtractedText
from app.review.candidates import Candidate
from app.review.crew_plan import NormalizationAnswer, ValueItem, Verdict, VerdictAnswer
from app.review.findings import apply_values, apply_verdicts, make_drafts

PAGE1 = "SUPPLY AGREEMENT\nThis Agreement is made between Acme Corp. and Widget Ltd."
PAGE2 = "This Agreement is governed by the laws of the\nState of Delaware."
DOC = ExtractedText.from_pages("a" * 64, "x.pdf", [PAGE1, PAGE2])


def _candidate(category: str, text: str, page: int, confidence: float = 0.9) -> Candidate:
    start = DOC.text.index(text)
    return Candidate(category, text, page, start, start + len(text), confidence)


def test_grounded_candidates_become_numbered_drafts_in_reading_order() -> None:
    law = _candidate("Governing Law", PAGE2, 2)
    title = _candidate("Document Name", "SUPPLY AGREEMENT", 1)
    drafts, dropped = make_drafts(DOC, [law, title])
    assert dropped == 0
    assert [(d.id, d.category) for d in drafts] == [
        ("c1", "Document Name"),
        ("c2", "Governing Law"),
    ]
    assert drafts[1].normalized == "Delaware"
    assert drafts[1].checks["grounded"] is True


def test_a_clause_cited_on_the_wrong_page_is_dropped() -> None:
    wrong_page = _candidate("Governing Law", PAGE2, 1)
    drafts, dropped = make_drafts(DOC, [wrong_page])
    assert drafts == [] and dropped == 1


def test_a_clause_whose_text_is_not_in_the_document_is_dropped() -> None:
    invented = Candidate("Parties", "Globex Inc.", 1, 0, 11, 0.9)
    drafts, dropped = make_drafts(DOC, [invented])
    assert drafts == [] and dropped == 1


def test_model_values_are_kept_only_when_verbatim_in_the_clause() -> None:
    parties = _candidate("Parties", "This Agreement is made between Acme Corp. and Widget Ltd.", 1)
    title = _candidate("Document Name", "SUPPLY AGREEMENT", 1)
    drafts, _ = make_drafts(DOC, [parties, title])
    answer = NormalizationAnswer(
        values=[ValueItem(id="c2", value="Acme Corp."), ValueItem(id="c1", value="Delaware")]
    )
    updated = apply_values(drafts, answer, {"c1", "c2"})
    assert updated[1].normalized == "Acme Corp."
    assert updated[1].checks["value_source"] == "model"
    assert updated[0].normalized is None
    assert updated[0].checks["model_value_rejected"] is True


def test_values_for_ids_not_asked_are_ignored() -> None:
    drafts, _ = make_drafts(DOC, [_candidate("Document Name", "SUPPLY AGREEMENT", 1)])
    answer = NormalizationAnswer(values=[ValueItem(id="c1", value="SUPPLY AGREEMENT")])
    assert apply_values(drafts, answer, set()) == drafts


def test_a_clause_the_model_was_asked_about_but_skipped_says_so() -> None:
    drafts, _ = make_drafts(DOC, [_candidate("Governing Law", PAGE2, 2, confidence=0.2)])
    updated = apply_verdicts(
        drafts, VerdictAnswer(verdicts=[Verdict(id="c9", verdict="no")]), {"c1"}
    )
    assert updated[0].checks["model_check"] == "no_answer"
    assert "flagged" not in updated[0].checks


def test_a_no_verdict_flags_the_clause_without_dropping_it() -> None:
    drafts, _ = make_drafts(DOC, [_candidate("Governing Law", PAGE2, 2, confidence=0.2)])
    updated = apply_verdicts(
        drafts, VerdictAnswer(verdicts=[Verdict(id="c1", verdict="no")]), {"c1"}
    )
    assert len(updated) == 1
    assert updated[0].checks["model_check"] == "no"
    assert updated[0].checks["flagged"] is True
