from __future__ import annotations

from app.review.findings import Draft
from app.review.report import Risk
from app.review.summary import (
    facts_overview,
    key_terms,
    memo,
    overview_is_grounded,
    repeats_itself,
    risk_lines,
)

SOURCE = "Document Name: AGENCY AGREEMENT; Governing Law: Nevada; [c4, p. 2] high: Non-Compete"


def _draft(id_: str, category: str, normalized: str | None, page: int = 1) -> Draft:
    return Draft(
        id_, category, f"text of {category}", page, 0, 10, 0.9, normalized, {"grounded": True}
    )


FACTS = "AGENCY AGREEMENT; governed by the law of Nevada. 2 findings in 2 categories."


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
    text = memo("This agency agreement is governed by Nevada law.", lines, [], SOURCE, FACTS)
    assert "[c4, p. 2] high: Non-Compete" in text
    assert text.startswith("Overview (model-written") and FACTS not in text


def test_memo_says_when_the_overview_was_not_used_and_gives_the_one_from_the_findings() -> None:
    text = memo("Governed by Texas law.", [], [], SOURCE, FACTS)
    assert text.startswith(f"Overview (from the findings): {FACTS}")
    assert "overview was not used" in text and "Texas" not in text
    asked_none = memo(None, [], [], SOURCE, FACTS)
    assert asked_none.startswith("Overview (from the findings)") and "not used" not in asked_none


def test_an_overview_that_names_no_fact_or_loops_is_not_used() -> None:
    empty = "This agreement is governed by the terms of this agreement."
    assert not overview_is_grounded(empty, SOURCE)
    loop = "It is governed by Nevada law. The key terms are below. The key terms are below."
    assert overview_is_grounded(loop, SOURCE) and repeats_itself(loop)
    assert not repeats_itself("It is governed by Nevada law. The key terms are below.")
    assert memo(loop, [], [], SOURCE, FACTS).startswith("Overview (from the findings)")


def test_the_overview_from_the_findings_names_title_parties_dates_law_and_risk_counts() -> None:
    drafts = [
        _draft("c1", "Document Name", "AGENCY AGREEMENT"),
        *(_draft(f"p{i}", "Parties", f"Party {i}") for i in range(5)),
        _draft("c2", "Agreement Date", "2003-03-31"),
        _draft("c3", "Governing Law", "Nevada"),
        _draft("c4", "Non-Compete", None, page=2),
    ]
    risks = {d.id: Risk(severity="low", reason="r") for d in drafts}
    risks["c4"] = Risk(severity="high", reason="r")
    missing = {"Cap On Liability": Risk(severity="medium", reason="r")}
    assert facts_overview(drafts, risks, missing) == (
        'AGENCY AGREEMENT; between "Party 0", "Party 1", "Party 2" and 2 more; '
        "dated 2003-03-31; "
        "governed by the law of Nevada. 9 findings in 5 categories; 1 high and 1 medium "
        "risks below."
    )
    assert facts_overview([], {}, {}).startswith("no title, parties, dates or governing law found.")


def test_key_terms_prefer_normalised_values_in_playbook_order() -> None:
    drafts = [_draft("c2", "Governing Law", "Nevada"), _draft("c1", "Document Name", None)]
    terms = key_terms(drafts, ("Document Name", "Governing Law"))
    assert list(terms) == ["Document Name", "Governing Law"]
    assert terms["Governing Law"] == "Nevada"
    assert terms["Document Name"] == "text of Document Name"
