"""Key-term values scored against CUAD's normalised answers.

CUAD gives, per contract, an answer for some categories: dates ("3/31/2005", "11/[]/2006" with
the day left blank), "Perpetual", periods ("successive 1 year", "90 days") and governing law
("Delaware", "Ontario, Canada"). A value of ours matches an answer when:

* dates: the same year and month, and the same day unless either leaves it blank;
* periods: the same length, in months for months and years ("12 months" = "1 year"), else in
  the same unit;
* governing law: our place is one of the places the answer lists, or the tail of one ("China"
  in "People's Republic of China");
* "perpetual" matches "Perpetual".

An answer none of these reads (a blank, "Yes", free text) is not scored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.extraction.normalizers import PERPETUAL, find_dates

VALUE_CATEGORIES = (
    "Agreement Date",
    "Effective Date",
    "Expiration Date",
    "Renewal Term",
    "Notice Period to Terminate Renewal",
    "Governing Law",
)
_DATE_CATEGORIES = frozenset(VALUE_CATEGORIES[:3])
PERIOD_CATEGORIES = frozenset(VALUE_CATEGORIES[3:5])
_ANSWER_DATE = re.compile(r"\b(\d{1,2})/(\[\]|\d{1,2})/(\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
PERIOD = re.compile(r"\b(\d+)\s*(business day|day|week|month|year)s?\b", re.I)

Canonical = tuple[object, ...] | str


def _date(text: str, answer: bool) -> Canonical | None:
    if text.strip().lower().startswith(PERPETUAL):
        return PERPETUAL
    if answer:
        match = _ANSWER_DATE.search(text)
        if match:
            day = None if match.group(2) == "[]" else int(match.group(2))
            return (int(match.group(3)), int(match.group(1)), day)
        return None
    iso = _ISO.search(text)
    if iso:
        day = int(iso.group(3)) if iso.group(3) else None  # "2019-08": the day left blank
        return (int(iso.group(1)), int(iso.group(2)), day)
    dates = find_dates(text)
    if dates:
        year, month, day = (int(p) for p in dates[0][1].split("-"))
        return (year, month, day)
    return None


def _period(text: str) -> Canonical | None:
    match = PERIOD.search(text)
    if match is None:
        return None
    count, unit = int(match.group(1)), match.group(2).lower()
    if unit in ("month", "year"):
        return (count * (12 if unit == "year" else 1), "month")
    return (count, unit)


def canonical(category: str, text: str, answer: bool = False) -> Canonical | None:
    """A comparable form of a value (ours) or of CUAD's answer (`answer=True`)."""
    if category in _DATE_CATEGORIES:
        return _date(text, answer)
    if category in PERIOD_CATEGORIES:
        return _period(text)
    if category == "Governing Law":
        return text.strip().lower() or None
    return None


def value_matches(category: str, ours: str | None, answer: str) -> bool:
    """Tell whether our value agrees with CUAD's answer (see the module's rules)."""
    wanted = canonical(category, answer, answer=True)
    got = canonical(category, ours, answer=False) if ours else None
    if wanted is None or got is None:
        return False
    if category == "Governing Law":
        places = [p.strip() for p in re.split(r"[,;]", str(wanted)) if p.strip()]
        return any(p == got or p.endswith(f" of {got}") for p in places)
    if isinstance(wanted, tuple) and isinstance(got, tuple) and category in _DATE_CATEGORIES:
        year, month, day = wanted
        return got[:2] == (year, month) and (day is None or got[2] is None or got[2] == day)
    return wanted == got


@dataclass(frozen=True)
class ValueScore:
    """How many scorable answers a category has, and how many of our values agree."""

    answered: int
    matched: int

    @property
    def accuracy(self) -> float:
        return self.matched / self.answered if self.answered else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "answered": self.answered,
            "matched": self.matched,
            "accuracy": round(self.accuracy, 4),
        }


def score_values(
    values: Mapping[str, Mapping[str, str | None]], answers: Mapping[str, Mapping[str, str]]
) -> dict[str, ValueScore]:
    """Per category: of the contracts whose CUAD answer is scorable, how many values agree.

    `values[contract][category]` is our value (None or absent when we have none);
    `answers[contract][category]` is CUAD's answer.
    """
    out = {}
    for category in VALUE_CATEGORIES:
        answered = matched = 0
        for contract, given in answers.items():
            answer = given.get(category, "")
            if canonical(category, answer, answer=True) is None:
                continue
            answered += 1
            matched += value_matches(category, values.get(contract, {}).get(category), answer)
        out[category] = ValueScore(answered, matched)
    return out
