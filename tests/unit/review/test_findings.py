from __future__ import annotations

from dataclasses import replace

from app.ingestion.types import ExtractedText
from app.review.candidates import Candidate
from app.review.crew_plan import (
    JudgeAnswer,
    JudgeChoice,
    NormalizationAnswer,
    ValueItem,
    Verdict,
    VerdictAnswer,
)
from app.review.findings import (
    apply_judgement,
    apply_values,
    apply_verdicts,
    judge_sample,
    make_drafts,
    mark_schema,
)

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
    assert updated[1].checks["model_value"] == "kept"
    assert updated[0].normalized is None
    assert updated[0].checks["model_value"] == "rejected"


def test_a_clause_asked_for_a_value_but_skipped_says_so() -> None:
    drafts, _ = make_drafts(DOC, [_candidate("Document Name", "SUPPLY AGREEMENT", 1)])
    updated = apply_values(drafts, NormalizationAnswer(values=[]), {"c1"})
    assert updated[0].normalized is None
    assert updated[0].checks["model_value"] == "no_answer"


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


def test_every_finding_carries_its_length_and_parse_checks() -> None:
    law = _candidate("Governing Law", PAGE2, 2)
    [draft], _ = make_drafts(DOC, [law])
    assert draft.checks["length_ok"] is True and draft.checks["value_parsed"] is True
    long_doc = ExtractedText.from_pages("b" * 64, "y.pdf", [PAGE2 * 200])
    runaway = Candidate("Governing Law", long_doc.text, 1, 0, len(long_doc.text), 0.9)
    assert make_drafts(long_doc, [runaway]) == ([], 1)  # over the clause length limit


def test_a_model_value_for_a_date_category_must_parse_and_the_schema_is_recorded() -> None:
    text = "This Agreement is made between Acme Corp. and Widget Ltd."
    [draft], _ = make_drafts(DOC, [_candidate("Agreement Date", text, 1)])
    answer = NormalizationAnswer(values=[ValueItem(id=draft.id, value="Acme Corp.")])
    [valued] = apply_values([draft], answer, {draft.id})
    assert valued.normalized == "Acme Corp." and valued.checks["value_parsed"] is False
    [marked] = mark_schema([valued], {draft.id}, parsed=False)
    assert marked.checks["schema"] is False


def test_the_judge_verdict_needs_both_statement_orders_to_agree() -> None:
    drafts, _ = make_drafts(
        DOC,
        [
            _candidate("Governing Law", PAGE2, 2),
            _candidate("Document Name", "SUPPLY AGREEMENT", 1),
            _candidate("Parties", "Acme Corp.", 1),
        ],
    )
    ids = [d.id for d in drafts]

    def answer(*choices: str) -> JudgeAnswer:
        return JudgeAnswer(
            choices=[JudgeChoice(id=i, choice=c) for i, c in zip(ids, choices, strict=False)]  # type: ignore[arg-type]
        )

    # In order: A = "holds". Swapped: B = "holds".
    judged = apply_judgement(drafts, ids, answer("A", "B", "A"), answer("B", "A"), "frontier")
    verdicts = [d.checks["judge"] for d in judged]
    assert verdicts == ["correct", "incorrect", "no_answer"]
    flipped = apply_judgement(drafts, ids[:1], answer("A"), answer("A"), "frontier")
    assert flipped[0].checks["judge"] == "inconsistent"  # the answer followed the position
    assert flipped[0].checks["judge_tier"] == "frontier" and "judge" not in flipped[1].checks


def test_the_judge_sample_is_stable_and_near_its_rate() -> None:
    many = [replace(d, id=f"c{n}") for n in range(2000) for d in make_drafts(DOC, [
        _candidate("Governing Law", PAGE2, 2)])[0]]  # fmt: skip
    first = judge_sample("doc", many, 0.15, limit=10_000)
    assert first == judge_sample("doc", many, 0.15, limit=10_000)
    assert 0.12 < len(first) / len(many) < 0.18
    assert len(judge_sample("doc", many, 0.15, limit=8)) == 8
    assert judge_sample("doc", many, 0.0, limit=8) == []


def test_an_expiration_said_as_a_term_is_dated_from_the_effective_date() -> None:
    page = (
        "This Agreement is effective as of March 31, 2000. It was signed on March 1, 2000. "
        "This Agreement shall remain in force for five (5) years."
    )
    doc = ExtractedText.from_pages("b" * 64, "y.pdf", [page])

    def cand(category: str, text: str, confidence: float) -> Candidate:
        start = doc.text.index(text)
        return Candidate(category, text, 1, start, start + len(text), confidence)

    drafts, _ = make_drafts(
        doc,
        [
            cand("Agreement Date", "It was signed on March 1, 2000.", 0.9),
            cand("Effective Date", "This Agreement is effective as of March 31, 2000.", 0.6),
            cand(
                "Expiration Date", "This Agreement shall remain in force for five (5) years.", 0.7
            ),
        ],
    )
    expiration = next(d for d in drafts if d.category == "Expiration Date")
    # the effective date wins over the agreement date, however confident the latter
    assert expiration.normalized == "2005-03-31 (5 years from 2000-03-31)"
    assert expiration.checks["value_parsed"] is True


def test_a_term_stays_undated_when_the_contract_gives_no_start() -> None:
    page = "This Agreement shall remain in force for five (5) years."
    doc = ExtractedText.from_pages("c" * 64, "z.pdf", [page])
    drafts, _ = make_drafts(doc, [Candidate("Expiration Date", page, 1, 0, len(page), 0.7)])
    assert drafts[0].normalized == "5 years from the start of the agreement"


def test_a_term_runs_from_the_agreement_date_when_the_effective_date_has_no_day() -> None:
    page = (
        "Effective as of August __, 2019. Signed on 1 July 2019. "
        "This Agreement shall remain in force for two (2) years."
    )
    doc = ExtractedText.from_pages("e" * 64, "w.pdf", [page])

    def cand(category: str, text: str) -> Candidate:
        start = doc.text.index(text)
        return Candidate(category, text, 1, start, start + len(text), 0.8)

    drafts, _ = make_drafts(
        doc,
        [
            cand("Effective Date", "Effective as of August __, 2019."),
            cand("Agreement Date", "Signed on 1 July 2019."),
            cand("Expiration Date", "This Agreement shall remain in force for two (2) years."),
        ],
    )
    expiration = next(d for d in drafts if d.category == "Expiration Date")
    assert expiration.normalized == "2021-07-01 (2 years from 2019-07-01)"
