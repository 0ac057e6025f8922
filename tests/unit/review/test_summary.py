from __future__ import annotations

from app.review.findings import Draft
from app.review.report import Risk
from app.review.summary import key_terms, memo, overview_is_grounded, risk_lines

SOURCE = "Document Name: AGENCY AGREEMENT; Governing Law: Nevada; [c4, p. 2] high: Non-Compete"


def _draft(id_: str, category: str, normalized: str | None, page: int = 1) -> Draft:
    return Draft(
        id_, category, f"text of {category}", page, 0, 10, 0.9, normalized, {"grounded": True}
    )


def test_an_overview_that_copies_the_prompt_example_is_rejected() -> None:
    copied = "This supply agreement of 2001-03-01 is governed by Delaware law."
    assert not overview_is_grounded(copied, SOURCE)


def test_an_overview_built_from_the_findings_is_kept() -> None:
    grounded = (
        "This agency agreement is governed by Nevada law. Its main risk is a Non-Compete (c4)."
    )
    assert overview_is_grounded(grounded, SOURCE)


def test_memo_cites_clause_ids_and_pages_and_marks_the_model_text() -> None:
    drafts = [_draft("c4", "Non-Compete", None, page=2)]
    lines = risk_lines(drafts, {"c4": Risk(severity="high", reason="r")}, {})
    text = memo("This agency agreement is governed by Nevada law.", lines, [], SOURCE)
    assert "[c4, p. 2] high: Non-Compete" in text
    assert text.startswith("Overview (model-written")


def test_memo_says_when_the_overview_was_not_used() -> None:
    text = memo("Governed by Texas law.", [], [], SOURCE)
    assert "Overview not used" in text and "Texas" not in text


def test_key_terms_prefer_normalised_values_in_playbook_order() -> None:
    drafts = [_draft("c2", "Governing Law", "Nevada"), _draft("c1", "Document Name", None)]
    terms = key_terms(drafts, ("Document Name", "Governing Law"))
    assert list(terms) == ["Document Name", "Governing Law"]
    assert terms["Governing Law"] == "Nevada"
    assert terms["Document Name"] == "text of Document Name"
