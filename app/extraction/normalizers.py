"""Category-specific normalised values: dates, governing law, periods, terms and amounts.

Each rule reads one clause. Expiration Date may also need the document: "five (5) years from
the Effective Date" becomes a date only once the effective date is known, so its rule returns
the term and `resolve_expiration` dates it from the contract's effective or agreement date.
The rules were written against CUAD train's gold clauses and normalised answers
(`bench/values.py` measures them); never against dev.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
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
_MONTH_ABBREVIATIONS = {"sept": 9, **{m[:3]: i for m, i in MONTHS.items()}}
_MONTH = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
# "19th"; also "19t h" and "1s t", as some filings were typed.
_ORDINAL = r"(?:s\s?t|n\s?d|r\s?d|t\s?h)?"
DATE_PATTERNS = (
    re.compile(_MONTH + r"\s*(\d{1,2})" + _ORDINAL + r"\s*,?\s*(\d{4})\b", re.I),  # May 25, 1999
    re.compile(
        r"\b(\d{1,2})\s*" + _ORDINAL + r"\s+(?:day\s+)?(?:of\s+)?" + _MONTH + r"\s*,?\s*(\d{4})\b",
        re.I,
    ),  # 25th day of May, 1999; 1st of March, 2003
    re.compile(r"\b(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})\b"),  # 5/25/1999, 5-25-99 (US order)
)
# A date whose day was left blank for signing: "August __, 2019", "June , 2010".
_BLANK_DAY = re.compile(_MONTH + r"\s*(?:_+|\[[^\]\n]{0,6}\])?\s*,\s*(\d{4})\b", re.I)
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
    "Scotland",
    "Hong Kong",
    "Singapore",
    "Canada",
    "Ontario",
    "Quebec",
    "Alberta",
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
    "New Zealand",
    "Sweden",
    "Denmark",
    "Norway",
    "Finland",
    "Belgium",
    "Luxembourg",
    "Italy",
    "Spain",
    "Austria",
    "South Africa",
    "Papua New Guinea",
    "Korea",
    "Taiwan",
    "Brazil",
    "Mexico",
    "Bermuda",
    "Cayman Islands",
    "British Virgin Islands",
)
# A law named by its adjective or abbreviation: "Swiss law", "the PRC Law".
_LAW_ADJECTIVES = {
    "swiss": "Switzerland",
    "english": "England",
    "german": "Germany",
    "french": "France",
    "prc": "China",
    "chinese": "China",
    "japanese": "Japan",
    "israeli": "Israel",
    "dutch": "Netherlands",
    "irish": "Ireland",
    "singapore": "Singapore",
}
_PLACE_NAMES = {p.lower(): p for p in (*US_STATES, *COUNTRIES)}
_PLACE = re.compile(
    r"\b("
    + "|".join(sorted(map(re.escape, US_STATES + list(COUNTRIES)), key=len, reverse=True))
    + r")\b",
    re.I,
)
_LAW_ADJECTIVE = re.compile(r"\b(" + "|".join(_LAW_ADJECTIVES) + r")\s+laws?\b", re.I)
_NUMBER_WORDS = {
    **{
        w: i
        for i, w in enumerate(
            "zero one two three four five six seven eight nine ten eleven twelve".split()
        )
    },
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "seventy-five": 75,
    "ninety": 90,
    "a": 1,
    "an": 1,
}
_UNITS = r"(business\s+days?|calendar\s+days?|days?|weeks?|months?|years?)"
# "ninety (90) days", "90 days", "two years", "one-year": the digits in brackets win.
_PERIOD = re.compile(
    r"\b(?:[a-z][a-z\-]*\s*\((\d{1,4})\)|(\d{1,4})|("
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r"))[\s-]+(?:\([\dIl]{1,4}\)\s*)?"
    + r"(?:(?:additional|successive|consecutive|full|contract|calendar|lease)\s+){0,2}"
    + _UNITS
    + r"\b",
    re.I,
)
_ORDINALS = {
    w: i
    for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1
    )
}
# "the fifth (5th) anniversary of the Effective Date": a term of years.
_ANNIVERSARY = re.compile(
    r"\b(?:(" + "|".join(_ORDINALS) + r")\s*(?:\(\d{1,2}(?:st|nd|rd|th)\)\s*)?"
    r"|(\d{1,2})(?:st|nd|rd|th)\s+)anniversary\b",
    re.I,
)
# Periods said without a number: "year to year", "annually", "month-to-month".
_EVERY = re.compile(
    r"\b(?:(year|month)[\s-]+to[\s-]+(?:year|month)|(annual|year|month)ly|each\s+(year|month))\b",
    re.I,
)
_AMOUNT = re.compile(
    r"(?:US\s?)?\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?(\s+(?:million|billion))?", re.I
)
# What the words around a period say it is.
_RENEWAL_CUES = re.compile(r"\b(?:renew\w*|successive|additional|extend\w*|extension)\b", re.I)
# Right after the period: "90 days' prior written notice", "six months before", "in advance".
_NOTICE_AFTER = re.compile(
    r"^\W*(?:(?:prior|written|advance|of)\W+){0,3}(?:notice|prior|before|in\s+advance)", re.I
)
_NOTICE_BEFORE = re.compile(
    r"(?:at\s+least|not\s+less\s+than|no\s+less\s+than|no\s+later\s+than|minimum\s+of|within)"
    r"\W*$",
    re.I,
)
_END_CUE = re.compile(
    r"(?:\bto|through|thru|until|till|ending(?:\s+on)?|ends?\s+on|expir\w*(?:\s+on)?"
    r"|terminat\w*(?:\s+on)?|conclud\w*(?:\s+on)?|and)\W*$",
    re.I,
)
_PERPETUAL = re.compile(
    r"\b(?:perpetu\w*|indefinite\w*|(?:until|when)\s+(?:\w+\s+){0,3}terminat(?:ed|ion)"
    r"|unless\s+and\s+until|no\s+(?:fixed\s+)?(?:term|expiration))\b",
    re.I,
)
PERPETUAL = "perpetual"
_TERM_SUFFIX = " from the start of the agreement"


@dataclass(frozen=True)
class _Period:
    start: int
    end: int
    count: int
    unit: str

    @property
    def text(self) -> str:
        return f"{self.count} {self.unit}{'' if self.count == 1 else 's'}"


def _valid_date(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return MONTHS.get(name) or _MONTH_ABBREVIATIONS[name[:4] if name == "sept" else name[:3]]


def _year(digits: str) -> int:
    year = int(digits)
    if len(digits) == 2:  # "5/25/99": this century up to 29, the last one from 30
        year += 2000 if year < 30 else 1900
    return year


def find_dates(text: str) -> list[tuple[int, str]]:
    """Every date in the text as (offset, ISO 8601), in reading order."""
    found: dict[int, str] = {}
    for index, pattern in enumerate(DATE_PATTERNS):
        for match in pattern.finditer(text):
            g = match.groups()
            if index == 0:
                iso = _valid_date(_year(g[2]), _month(g[0]), int(g[1]))
            elif index == 1:
                iso = _valid_date(_year(g[2]), _month(g[1]), int(g[0]))
            else:
                iso = _valid_date(_year(g[3]), int(g[0]), int(g[2]))
            if iso and not any(abs(at - match.start()) < 4 for at in found):
                found[match.start()] = iso
    for match in _BLANK_DAY.finditer(text):  # year and month only: "2019-08"
        if not any(abs(at - match.start()) < 4 for at in found):
            found[match.start()] = f"{int(match.group(2)):04d}-{_month(match.group(1)):02d}"
    return sorted(found.items())


def normalize_date(text: str) -> str | None:
    """Return the first date in the text as ISO 8601 (YYYY-MM-DD; YYYY-MM if the day is blank)."""
    dates = find_dates(text)
    return dates[0][1] if dates else None


_EFFECTIVE_CUE = re.compile(r"(?:effective|commenc\w*|begin\w*|start\w*)\W+(?:\w+\W+){0,3}$", re.I)


def normalize_effective_date(text: str) -> str | None:
    """Return the date said as when the agreement takes effect, else the first date."""
    dates = find_dates(text)
    cued = [iso for at, iso in dates if _EFFECTIVE_CUE.search(text[max(0, at - 40) : at])]
    chosen = cued or [iso for _, iso in dates]
    return chosen[0] if chosen else None


def normalize_place(text: str) -> str | None:
    """Return the first US state or country whose law the text names."""
    found = []
    match = _PLACE.search(text)
    if match:
        found.append((match.start(), _PLACE_NAMES[match.group(1).lower()]))
    adjective = _LAW_ADJECTIVE.search(text)
    if adjective:
        found.append((adjective.start(), _LAW_ADJECTIVES[adjective.group(1).lower()]))
    return min(found)[1] if found else None


def _periods(text: str) -> list[_Period]:
    found = []
    for match in _PERIOD.finditer(text):
        bracketed, digits, word = match.group(1), match.group(2), match.group(3)
        count = int(bracketed or digits) if (bracketed or digits) else _NUMBER_WORDS[word.lower()]
        unit = re.sub(r"\s+", " ", match.group(4).lower()).rstrip("s")
        if count:
            found.append(_Period(match.start(), match.end(), count, unit))
    for match in _ANNIVERSARY.finditer(text):
        word, digits = match.group(1), match.group(2)
        count = _ORDINALS[word.lower()] if word else int(digits)
        found.append(_Period(match.start(), match.end(), count, "year"))
    for match in _EVERY.finditer(text):
        unit = next(g for g in match.groups() if g).lower()
        found.append(_Period(match.start(), match.end(), 1, "year" if unit == "annual" else unit))
    return sorted(found, key=lambda p: p.start)


def _is_notice(text: str, period: _Period) -> bool:
    before = text[max(0, period.start - 40) : period.start]
    return bool(_NOTICE_AFTER.match(text[period.end : period.end + 40])) or bool(
        _NOTICE_BEFORE.search(before)
    )


def normalize_period(text: str) -> str | None:
    """Return the first period in the text, e.g. '120 days' or '1 year'."""
    periods = _periods(text)
    return periods[0].text if periods else None


def normalize_notice_period(text: str) -> str | None:
    """Return the notice period: the first period said as notice ('at least 90 days prior')."""
    periods = _periods(text)
    notice = [p for p in periods if _is_notice(text, p)]
    chosen = notice or periods
    return chosen[0].text if chosen else None


def normalize_renewal_term(text: str) -> str | None:
    """Return the length of one renewal: the first period after a renewal word, not a notice."""
    periods = [p for p in _periods(text) if not _is_notice(text, p)]
    cue = _RENEWAL_CUES.search(text)
    after_cue = [p for p in periods if cue and p.end > cue.start()]
    chosen = after_cue or periods
    return chosen[0].text if chosen else None


def normalize_expiration(text: str) -> str | None:
    """Return when the agreement ends: a date, 'perpetual', or a term from its start.

    A date said as an end ("through", "until", "expires on") wins; else, of several dates, the
    last; a lone date with a term after it ("commencing May 1, 2001 for five years") gives the
    term from that date; a term alone gives "N years from the start of the agreement", which
    `resolve_expiration` turns into a date when the contract's start is known.
    """
    dates = find_dates(text)
    terms = [p for p in _periods(text) if not _is_notice(text, p) and p.unit != "business day"]
    ends = [iso for at, iso in dates if _END_CUE.search(text[max(0, at - 25) : at])]
    if ends:
        return ends[-1]
    if len(dates) > 1:
        return dates[-1][1]
    if dates and terms and terms[0].start > dates[0][0]:
        return add_period(dates[0][1], terms[0]) or dates[0][1]
    if dates:
        return dates[0][1]
    if terms:
        return terms[0].text + _TERM_SUFFIX
    return PERPETUAL if _PERPETUAL.search(text) else None


def add_period(start_iso: str, period: _Period) -> str | None:
    """The date a period after `start_iso` (same day of the month; days and weeks exact)."""
    start = date.fromisoformat(start_iso)
    if period.unit in ("day", "calendar day"):
        return date.fromordinal(start.toordinal() + period.count).isoformat()
    if period.unit == "week":
        return date.fromordinal(start.toordinal() + 7 * period.count).isoformat()
    if period.unit not in ("year", "month"):
        return None  # business days: not counted here
    months = period.count * (12 if period.unit == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day).isoformat()


def contract_start(effective: str | None, agreement: str | None) -> str | None:
    """The date a term runs from: the effective date, else the agreement date.

    A date whose day was left blank ("2019-08") cannot start a term, so it is passed over.
    """
    return next((d for d in (effective, agreement) if d and len(d) == 10), None)


def resolve_expiration(value: str, start_iso: str | None) -> str:
    """Date a term-only expiration ("5 years from the start...") from the contract's start."""
    if start_iso is None or len(start_iso) != 10 or not value.endswith(_TERM_SUFFIX):
        return value  # no start, or one whose day was left blank
    periods = _periods(value)
    end = add_period(start_iso, periods[0]) if periods else None
    return f"{end} ({periods[0].text} from {start_iso})" if end else value


def normalize_amount(text: str) -> str | None:
    """Return the first dollar amount in the text, e.g. 'USD 1,000,000'."""
    match = _AMOUNT.search(text)
    if match is None:
        return None
    whole, cents, scale = match.group(1), match.group(2), (match.group(3) or "").strip().lower()
    return f"USD {whole}{'.' + cents if cents else ''}{' ' + scale if scale else ''}"


NORMALIZERS: dict[str, Callable[[str], str | None]] = {
    "Agreement Date": normalize_date,
    "Effective Date": normalize_effective_date,
    "Expiration Date": normalize_expiration,
    "Governing Law": normalize_place,
    "Renewal Term": normalize_renewal_term,
    "Notice Period to Terminate Renewal": normalize_notice_period,
    "Warranty Duration": normalize_period,
    "Cap on Liability": normalize_amount,
    "Liquidated Damages": normalize_amount,
    "Minimum Commitment": normalize_amount,
}


def normalize(category: str, text: str) -> str | None:
    """Return a clause's normalised value; None when its category has no rule or nothing parses."""
    normalizer = NORMALIZERS.get(category)
    return normalizer(text) if normalizer else None
