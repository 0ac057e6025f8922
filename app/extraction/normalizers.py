"""Category-specific normalised values: dates, governing-law state, periods and amounts."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january february march april may june july august september october november december"
        ).split(),
        start=1,
    )
}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
DATE_PATTERNS = (
    re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.I),  # May 25, 1999
    re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?" + _MONTH + r",?\s+(\d{4})", re.I),
    re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"),  # 5/25/1999 (US order)
)
US_STATES = [
    *"Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia "
    "Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts "
    "Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon "
    "Pennsylvania Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming".split(),
    "New Hampshire",
    "New Jersey",
    "New Mexico",
    "New York",
    "North Carolina",
    "North Dakota",
    "Rhode Island",
    "South Carolina",
    "South Dakota",
    "West Virginia",
    "District of Columbia",
]
COUNTRIES = (
    "England and Wales",
    "England",
    "Hong Kong",
    "Singapore",
    "Canada",
    "Ontario",
    "British Columbia",
    "Germany",
    "France",
    "Switzerland",
    "Israel",
    "Japan",
    "China",
    "India",
    "Ireland",
    "Netherlands",
    "Australia",
    "Sweden",
    "Cayman Islands",
)
_PLACE = re.compile(
    r"\b("
    + "|".join(sorted(map(re.escape, US_STATES + list(COUNTRIES)), key=len, reverse=True))
    + r")\b"
)
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}
# "ninety (90) days", "90 days", "two years": the digits in brackets win over the words.
_PERIOD = re.compile(
    r"\b(?:[a-z][a-z\-]*\s*\((\d{1,4})\)|(\d{1,4})|(" + "|".join(_NUMBER_WORDS) + r"))[\s-]+"
    r"(business\s+days?|calendar\s+days?|days?|weeks?|months?|years?)\b",
    re.I,
)
_AMOUNT = re.compile(
    r"(?:US\s?)?\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?(\s+(?:million|billion))?", re.I
)


def _valid_date(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def normalize_date(text: str) -> str | None:
    """Return the first date in the text as ISO 8601 (YYYY-MM-DD)."""
    found: list[tuple[int, str]] = []
    for index, pattern in enumerate(DATE_PATTERNS):
        match = pattern.search(text)
        if match is None:
            continue
        g = match.groups()
        if index == 0:
            iso = _valid_date(int(g[2]), MONTHS[g[0].lower()], int(g[1]))
        elif index == 1:
            iso = _valid_date(int(g[2]), MONTHS[g[1].lower()], int(g[0]))
        else:
            iso = _valid_date(int(g[2]), int(g[0]), int(g[1]))
        if iso:
            found.append((match.start(), iso))
    return min(found)[1] if found else None


def normalize_place(text: str) -> str | None:
    """Return the first US state or country named in the text."""
    match = _PLACE.search(text)
    return match.group(1) if match else None


def normalize_period(text: str) -> str | None:
    """Return the first period in the text, e.g. '120 days' or '1 year'."""
    match = _PERIOD.search(text)
    if match is None:
        return None
    bracketed, digits, word = match.group(1), match.group(2), match.group(3)
    count = int(bracketed or digits) if (bracketed or digits) else _NUMBER_WORDS[word.lower()]
    unit = re.sub(r"\s+", " ", match.group(4).lower()).rstrip("s")
    return f"{count} {unit}{'' if count == 1 else 's'}"


def normalize_amount(text: str) -> str | None:
    """Return the first dollar amount in the text, e.g. 'USD 1,000,000'."""
    match = _AMOUNT.search(text)
    if match is None:
        return None
    whole, cents, scale = match.group(1), match.group(2), (match.group(3) or "").strip().lower()
    return f"USD {whole}{'.' + cents if cents else ''}{' ' + scale if scale else ''}"


NORMALIZERS: dict[str, Callable[[str], str | None]] = {
    "Agreement Date": normalize_date,
    "Effective Date": normalize_date,
    "Expiration Date": normalize_date,
    "Governing Law": normalize_place,
    "Renewal Term": normalize_period,
    "Notice Period to Terminate Renewal": normalize_period,
    "Warranty Duration": normalize_period,
    "Cap on Liability": normalize_amount,
    "Liquidated Damages": normalize_amount,
    "Minimum Commitment": normalize_amount,
}


def normalize(category: str, text: str) -> str | None:
    """Return a clause's normalised value; None when its category has no rule or nothing parses."""
    normalizer = NORMALIZERS.get(category)
    return normalizer(text) if normalizer else None
