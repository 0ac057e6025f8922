from __future__ import annotations

import pytest

from app.extraction.normalizers import normalize, resolve_expiration


@pytest.mark.parametrize(
    ("category", "text", "value"),
    [
        ("Agreement Date", "Signed and effective this 25th day of May, 1999.", "1999-05-25"),
        ("Effective Date", "effective as of March 1, 2001 (the Effective Date)", "2001-03-01"),
        ("Agreement Date", "Feb 10, 2014", "2014-02-10"),
        ("Agreement Date", "Nov. 02, 2019", "2019-11-02"),
        ("Agreement Date", "19t h day of March, 2020", "2020-03-19"),  # as some filings typed it
        ("Agreement Date", "October 1,1996", "1996-10-01"),
        ("Agreement Date", "Dated 05/05/98", "1998-05-05"),
        ("Agreement Date", "1/14/02", "2002-01-14"),
        ("Agreement Date", "12-23-2019", "2019-12-23"),
        ("Agreement Date", "1s t day of March, 2018", "2018-03-01"),
        ("Agreement Date", "commence on the 1st of      March, 2003,", "2003-03-01"),
        ("Agreement Date", "August __, 2019", "2019-08"),  # the day left blank for signing
        (
            "Effective Date",
            "executed on the 5th day of December, 2007, to be effective January 1, 2008.",
            "2008-01-01",
        ),
        (
            "Expiration Date",
            "shall continue until the fifth (5th) anniversary of the Effective Date",
            "5 years from the start of the agreement",
        ),
        (
            "Expiration Date",
            "shall continue for ten (10) Contract Years, unless terminated",
            "10 years from the start of the agreement",
        ),
        ("Expiration Date", "will continue until termination as provided below.", "perpetual"),
        ("Expiration Date", "shall terminate on 12/31/2005 unless renewed", "2005-12-31"),
        ("Expiration Date", "TERM: November 01, 2014 to October 31, 2017", "2017-10-31"),
        (
            "Expiration Date",
            "commencing as of May 31, 1999 and concluding May 31, 2000.",
            "2000-05-31",
        ),
        (
            "Expiration Date",
            "shall commence on May 1, 2001 and continue for five (5) years",
            "2006-05-01",
        ),
        (
            "Expiration Date",
            "will be in effect for three (3) years from the Effective Date unless terminated",
            "3 years from the start of the agreement",
        ),
        (
            "Expiration Date",
            "This Agreement shall continue until terminated as provided herein.",
            "perpetual",
        ),
        ("Governing Law", "governed by the laws of the State of New York", "New York"),
        ("Governing Law", "under the laws of England and Wales", "England and Wales"),
        ("Governing Law", "GOVERNED BY THE LAWS OF THE STATE OF GEORGIA", "Georgia"),
        ("Governing Law", "construed in accordance with Swiss law.", "Switzerland"),
        ("Renewal Term", "renews for successive one (1) year terms", "1 year"),
        ("Renewal Term", "shall renew on a year to year basis unless terminated", "1 year"),
        (
            "Renewal Term",
            "unless a party gives 180 days notice, it renews for successive one (I) year terms",
            "1 year",
        ),
        ("Notice Period to Terminate Renewal", "at least ninety (90) days' notice", "90 days"),
        (
            "Renewal Term",
            "renews for successive six (6) month periods unless written notice is given at least"
            " three (3) months before the end of the term",
            "6 months",
        ),
        (
            "Notice Period to Terminate Renewal",
            "renews for successive one-year terms unless a party gives notice at least sixty (60)"
            " days before the end of the term",
            "60 days",
        ),
        ("Cap on Liability", "shall not exceed $1,000,000 in total", "USD 1,000,000"),
    ],
)
def test_values_are_normalised(category: str, text: str, value: str) -> None:
    assert normalize(category, text) == value


def test_impossible_dates_are_not_values() -> None:
    assert normalize("Agreement Date", "dated February 31, 2001") is None


def test_categories_without_a_rule_have_no_value() -> None:
    assert normalize("Exclusivity", "exclusive for the State of Texas") is None


def test_a_term_is_dated_from_the_start_keeping_the_day_of_the_month() -> None:
    term = "1 year from the start of the agreement"
    assert resolve_expiration(term, "2020-02-29") == "2021-02-28 (1 year from 2020-02-29)"
    assert resolve_expiration("18 months from the start of the agreement", "2019-01-31") == (
        "2020-07-31 (18 months from 2019-01-31)"
    )
    assert resolve_expiration(term, None) == term  # no start known: the term stays
    assert resolve_expiration("2005-12-31", "2000-01-01") == "2005-12-31"  # already a date
    assert resolve_expiration(term, "2019-08") == term  # a start whose day was left blank
