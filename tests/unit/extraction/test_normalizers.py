from __future__ import annotations

import pytest

from app.extraction.normalizers import normalize


@pytest.mark.parametrize(
    ("category", "text", "value"),
    [
        ("Agreement Date", "Signed and effective this 25th day of May, 1999.", "1999-05-25"),
        ("Effective Date", "effective as of March 1, 2001 (the Effective Date)", "2001-03-01"),
        ("Expiration Date", "shall terminate on 12/31/2005 unless renewed", "2005-12-31"),
        ("Governing Law", "governed by the laws of the State of New York", "New York"),
        ("Governing Law", "under the laws of England and Wales", "England and Wales"),
        ("Renewal Term", "renews for successive one (1) year terms", "1 year"),
        ("Notice Period to Terminate Renewal", "at least ninety (90) days' notice", "90 days"),
        ("Cap on Liability", "shall not exceed $1,000,000 in total", "USD 1,000,000"),
    ],
)
def test_values_are_normalised(category: str, text: str, value: str) -> None:
    assert normalize(category, text) == value


def test_impossible_dates_are_not_values() -> None:
    assert normalize("Agreement Date", "dated February 31, 2001") is None


def test_categories_without_a_rule_have_no_value() -> None:
    assert normalize("Exclusivity", "exclusive for the State of Texas") is None
