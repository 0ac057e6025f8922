"""The extractor's training answers: gold values, verbatim in the clause the prompt shows."""

from __future__ import annotations

from app.finetune.examples import teacher_value
from app.review.findings import Draft


def _draft(category: str, text: str) -> Draft:
    return Draft("c1", category, text, 1, 0, len(text), 0.5, None, {})


def test_the_first_gold_value_inside_the_clause_is_the_answer() -> None:
    clause = 'ACME  CORP., a Delaware corporation ("Acme"), and Widget Ltd.'
    gold = ["Widget Ltd.", "Acme", "ACME CORP."]
    assert teacher_value(_draft("Parties", clause), gold, None) == "ACME CORP."


def test_a_clause_that_is_most_of_a_gold_value_is_its_own_value() -> None:
    assert teacher_value(_draft("Parties", "2THEMART.COM, INC"), ["2THEMART.COM, INC."], None) == (
        "2THEMART.COM, INC"
    )


def test_a_wrong_clause_gets_no_value() -> None:
    assert teacher_value(_draft("Parties", "the Services"), ["Acme Corp."], None) is None


def test_governing_law_and_periods_take_the_words_that_agree_with_cuads_answer() -> None:
    law = "This Agreement is governed by the laws of the State of New York, without regard to"
    assert teacher_value(_draft("Governing Law", law), [law], "New York") == "New York"
    renewal = "renews for successive one-year terms unless either party gives 60 days notice"
    notice = _draft("Notice Period to Terminate Renewal", renewal)
    assert teacher_value(notice, [renewal], "60 days") == "60 days"
    # A gold clause too long to be a value, and no words agreeing with the answer: none.
    assert teacher_value(_draft("Governing Law", law), [law], "Delaware") is None
