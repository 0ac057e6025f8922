from __future__ import annotations

import pytest

from app.evaluation.values import score_values, value_matches


@pytest.mark.parametrize(
    ("category", "ours", "answer", "agrees"),
    [
        ("Agreement Date", "2005-03-31", "3/31/2005", True),
        ("Agreement Date", "2005-03-30", "3/31/2005", False),
        ("Agreement Date", "2006-11-15", "11/[]/2006", True),  # CUAD leaves the day blank
        ("Expiration Date", "2005-03-31 (5 years from 2000-03-31)", "3/31/2005", True),
        ("Expiration Date", "perpetual", "Perpetual", True),
        ("Expiration Date", "5 years from the start of the agreement", "3/31/2005", False),
        ("Renewal Term", "12 months", "successive 1 year", True),
        ("Renewal Term", "1 month", "30 days", False),
        ("Notice Period to Terminate Renewal", "90 days", "90 days", True),
        ("Governing Law", "Ontario", "Ontario, Canada", True),
        ("Governing Law", "China", "People's Republic of China", True),
        ("Governing Law", "Virginia", "West Virginia", False),
        ("Governing Law", None, "Delaware", False),
    ],
)
def test_values_agree_with_cuad_answers_by_the_rules(
    category: str, ours: str | None, answer: str, agrees: bool
) -> None:
    assert value_matches(category, ours, answer) is agrees


def test_only_answers_that_can_be_read_are_scored() -> None:
    answers = {
        "a": {"Governing Law": "Delaware", "Renewal Term": ""},
        "b": {"Governing Law": "New York", "Agreement Date": "Yes"},
        "c": {"Governing Law": "Texas"},
    }
    values = {"a": {"Governing Law": "Delaware"}, "b": {"Governing Law": "New Jersey"}}
    scores = score_values(values, answers)
    assert (scores["Governing Law"].answered, scores["Governing Law"].matched) == (3, 1)
    assert scores["Renewal Term"].answered == 0 and scores["Agreement Date"].answered == 0
    assert scores["Governing Law"].to_dict()["accuracy"] == pytest.approx(0.3333)
