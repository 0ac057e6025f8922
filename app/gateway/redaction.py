"""Redaction: personal data and identifiers become stable placeholders before a prompt leaves.

Rules, not a model: e-mails, phone numbers (Google's libphonenumber), street addresses, account
and id numbers, and person names where a contract marks them (titles, signature and notice
blocks), plus every later mention of a name found that way. The same value gets the same
placeholder in every message of a call, and the answer's placeholders are put back.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import phonenumbers

from app.gateway.types import CompletionRequest, Message

_NAME = r"[A-Z][a-z'\-]+|[A-Z]{2,}|[A-Z]\."
_FULL_NAME = (
    rf"(?:{_NAME})(?:\s+(?:{_NAME}|[A-Z]\.?|(?:van|von|de|del|der|da|di|la|le)(?=\s+[A-Z]))){{1,3}}"
)
_COMPANY = re.compile(
    r"\b(?:Inc|LLC|L\.L\.C|Ltd|Limited|Corp|Corporation|Company|Co|LP|L\.P|LLP|PLC|GmbH|AG|"
    r"S\.A|N\.V|B\.V|Bank|Trust|Group|Holdings|Partners|Fund|University|Association)\b\.?"
)
_NOT_NAME = frozenset(
    "Chief Executive Officer President Vice Secretary Treasurer Director Manager General Counsel "
    "Title Name Date Signature Address Attention Party Parties Agreement Company Section "
    "Exhibit Schedule The This Such Licensor Licensee Distributor Supplier Customer Buyer Seller "
    "Managing Member Senior Executive Chairman Partner Authorized Signatory Legal Department "
    "Street Avenue Road Suite Floor Building Tel Fax Phone Email By Its Witness Notary Public "
    "United States America State Of And For To In On At With Inc LLC Corporation".split()
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    "EMAIL": re.compile(r"\b[\w.+'-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "ID_NUMBER": re.compile(
        r"(?:\b\d{3}-\d{2}-\d{4}\b|\b\d{2}-\d{7}\b"  # SSN, EIN
        r"|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b"  # IBAN
        r"|(?<=[:#]\s)[A-Z0-9][A-Z0-9\-/ ]{4,}\d\b"  # a value after "No.:" style labels
        r"|\b(?:\d[ -]?){13,19}\b)"  # card and long account numbers
    ),
    "ADDRESS": re.compile(
        r"\b(?:P\.?\s?O\.?\s+Box\s+\d+|\d{1,6}(?:-\d+)?\s+(?:[NSEW]\.?\s+)?"
        r"(?:[A-Z0-9][\w.'-]*\s+){0,4}"
        r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Parkway|Pkwy|"
        r"Court|Ct|Place|Pl|Square|Sq|Highway|Hwy|Circle|Cir|Terrace|Plaza|Center|Centre|"
        r"Trail|Turnpike|Pike|Row|Alley|Broadway|Freeway)\b\.?)"
        r"(?:,?\s+(?:Suite|Ste|Floor|Fl|Room|Rm|Unit|Building|Bldg|#)\.?\s*[\w-]+)?"
        r"(?:,?\s+[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){0,2}){0,2}"
        r"(?:,?\s+[A-Z]{2}|,?\s+[A-Z][a-z]+)?(?:\s+\d{5}(?:-\d{4})?)?"
    ),
}
_ID_LABEL = re.compile(
    r"\b(?:Account|Acct|A/C|Routing|ABA|SWIFT|BIC|IBAN|Tax\s+ID|TIN|EIN|SSN|Social\s+Security|"
    r"License|Licence|Registration|Passport|Policy|Credit\s+Card|Card)\s*(?:No|Number|Num|#)?"
    r"\.?\s*[:#]?\s*([A-Z0-9][A-Z0-9\-/ ]{3,}[A-Z0-9])",
    re.IGNORECASE,
)
_PERSON_CUES = [
    re.compile(
        rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Messrs)\.?\s+({_NAME}(?:\s+(?:{_NAME})){{0,3}})"
    ),
    re.compile(
        rf"(?:\b(?i:Name|By|Attention|Attn|Signature|Signed|Contact|Witness|cc|Copy\s+to)"
        rf"\s*[:.]?\s*(?:/s/\s*)?|/s/\s*)({_FULL_NAME})"
    ),
    re.compile(rf"^\s*({_FULL_NAME})\s*,?\s*(?:\n|$)\s*(?:Title|Its)\s*:", re.MULTILINE),
]


@dataclass
class Redaction:
    """Placeholders of one call: `mapping` from placeholder to the original value."""

    mapping: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def placeholder(self, label: str, value: str) -> str:
        for key, original in self.mapping.items():
            if original == value and key.startswith(f"[{label}_"):
                return key
        self.counts[label] += 1
        key = f"[{label}_{self.counts[label]}]"
        self.mapping[key] = value
        return key


def _clean_name(candidate: str) -> str | None:
    words = candidate.split()
    while words and words[-1].rstrip(".,") in _NOT_NAME:
        words.pop()
    while words and words[0] in _NOT_NAME:
        words.pop(0)
    if len(words) < 1 or _COMPANY.search(" ".join(words)):
        return None
    name = " ".join(words).rstrip(",")
    if not any(c.islower() for c in name) and len(words) < 2:
        return None
    return name if len(name) >= 3 else None


def _person_names(text: str) -> set[str]:
    names: set[str] = set()
    for pattern in _PERSON_CUES:
        for match in pattern.finditer(text):
            name = _clean_name(match.group(1))
            if name:
                names.add(name)
    return names


def find_spans(text: str) -> list[tuple[int, int, str]]:
    """Every span to redact as (start, end, label), longest first where they overlap."""
    spans: list[tuple[int, int, str]] = []
    for label, pattern in _PATTERNS.items():
        spans += [(m.start(), m.end(), label) for m in pattern.finditer(text)]
    spans += [(m.start(1), m.end(1), "ID_NUMBER") for m in _ID_LABEL.finditer(text)]
    for match in phonenumbers.PhoneNumberMatcher(text, "US"):
        spans.append((match.start, match.end, "PHONE"))
    for name in _person_names(text):
        variants = {name, name.split()[-1]} if len(name.split()) > 1 else {name}
        for variant in variants:
            if len(variant) < 3 or variant in _NOT_NAME:
                continue
            for m in re.finditer(rf"\b{re.escape(variant)}\b", text):
                spans.append((m.start(), m.end(), "PERSON"))
    return _without_overlaps(spans)


def _without_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(span[1] <= k[0] or span[0] >= k[1] for k in kept):
            kept.append(span)
    return sorted(kept)


def _replace(text: str, redaction: Redaction) -> str:
    out: list[str] = []
    last = 0
    for start, end, label in find_spans(text):
        out.append(text[last:start])
        out.append(redaction.placeholder(label, text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def redact_request(request: CompletionRequest) -> tuple[CompletionRequest, Redaction]:
    """The request with personal data replaced in every message, and how to restore it."""
    redaction = Redaction()
    messages = tuple(
        Message(role=m.role, content=_replace(m.content, redaction)) for m in request.messages
    )
    return replace(request, messages=messages), redaction


def restore(text: str, redaction: Redaction) -> str:
    """Put the original values back in a model's answer."""
    for key in sorted(redaction.mapping, key=len, reverse=True):
        text = text.replace(key, redaction.mapping[key])
    return text


def iter_labels(spans: list[tuple[int, int, str]]) -> Iterator[str]:
    """Labels of spans, for counting."""
    return (label for _start, _end, label in spans)
