"""Redaction: personal data and identifiers become stable placeholders before a prompt leaves.

Rules, not a model (developed on hand-labelled CUAD train passages, measured on dev:
bench/redaction_recall.py): e-mails; phone numbers (libphonenumber, and numbers after Tel/Fax
cues); street addresses, "City, ST ZIP" lines and values after "Address:"-style cues; account,
routing, SWIFT, registration and patent numbers; person names where a contract marks them
(titles, signature and notice cues, a middle initial, "an individual", a surname in a nearby
e-mail), the names listed after them, and every later mention of a name found that way.
The same value gets the same placeholder in every message of a call, and the answer's
placeholders are put back.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

import phonenumbers

from app.gateway.types import CompletionRequest, Message

# One word of a name: Smith, McKee, O'Brien, Tayton-Martin, SMITH, or an initial.
_NAME = (
    r"(?:[A-Z](?:['’][A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?"
    r"|[A-Z]{2,}(?:-[A-Z]{2,})?|[A-Z]\.)"
)
_SUFFIX = r"(?:,?[ \t]+(?:Jr|Sr|II|III|IV)\b\.?)?"
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
    "United States America State Of And For To In On At With Inc LLC Corporation Deputy CEO "
    "CFO COO CTO VP EVP SVP Head Esq Ph.D PhD M.D Chair Counsel Trustee Co-Trustee Dear "
    "Consultant Employee Employer Provider Service Information Accepted Agreed Signed Page "
    "Consulting Facsimile Fax Relations Investor Employment Current Limited No Number Email "
    "E-mail Mobile Telephone Tel Date Dated Contact Contacts Sales Marketing Office Officer "
    "Representative Legal Department General Inc Ltd".split()
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    "EMAIL": re.compile(r"\b[\w.+'-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "ID_NUMBER": re.compile(
        r"(?:\b\d{3}-\d{2}-\d{4}\b|\b\d{2}-\d{7}\b"  # SSN, EIN
        r"|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b"  # IBAN
        r"|\b(?:\d[ -]?){13,19}\b)"  # card and long account numbers
    ),
    "ADDRESS": re.compile(
        # a street: number, up to five words, a street word (or "Avenue of the Americas")
        r"\b(?:P\.?\s?O\.?\s+Box\s+\d+|\d{1,6}(?:-\d+)?[A-Z]?,?[ \t]+(?:[NSEW]\.?[ \t]+)?"
        r"(?:(?:[A-Z0-9][\w.'-]*|of|the|de|la)[ \t]+){0,5}?"
        r"(?i:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Parkway|Pkwy|"
        r"Court|Ct|Place|Pl|Square|Sq|Highway|Hwy|Circle|Cir|Terrace|Plaza|Center|Centre|"
        r"Trail|Turnpike|Pike|Row|Alley|Broadway|Freeway|Concourse|Expressway|Crescent|Walk|"
        r"Mall|Quay|Wharf|Gardens|Park|Campus|Ground)\b\.?"
        r"(?:[ \t]+(?:of[ \t]+the[ \t]+[A-Z]\w+|[NSEW]{1,2}\.?|North|South|East|West|"
        r"N\.[EW]\.|S\.[EW]\.)\b\.?)?)"
        # then units, floors, boxes, towns and a postcode, over at most a few lines
        r"(?:(?:[ \t]*,?[ \t]*|[ \t]*\n[ \t]*)"
        r"(?:(?:Suite|Ste|Floor|Fl|Flr|Room|Rm|Unit|Building|Bldg|P\.?\s?O\.?\s+Box|POB|#)"
        r"\.?[ \t]*[\w-]+|\d+(?:st|nd|rd|th)[ \t]+(?:Floor|Fl|Flr)\.?|"
        r"[A-Z][A-Za-z.'-]+(?:[ \t]+[A-Z][A-Za-z.'-]+){0,2}|"
        r"\d{5}(?:[ \t]?-[ \t]?\d{4})?|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|"
        r"[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2})){0,7}"
    ),
}
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|Alabama|Alaska|Arizona|Arkansas|"
    "California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|"
    "Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|"
    "Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
    "North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|"
    "South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|"
    "Wyoming|Ontario|Quebec|British Columbia|Alberta"
)
_CITY_ZIP = re.compile(
    rf"\b[A-Z][A-Za-z.'-]+(?:[ \t]+[A-Z][A-Za-z.'-]+){{0,2}},?[ \t]+(?:{_STATES})\.?,?[ \t]*"
    r"(?:\d{5}(?:[ \t]?-[ \t]?\d{4})?|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)"
    r"(?:,?[ \t]+(?:USA|U\.S\.A\.|United States(?: of America)?|Canada))?"
)
_ADDRESS_CUE = re.compile(
    r"\b(?i:address|registered office|head office|principal (?:place of business|office))"
    r"(?:[ \t]+(?:is|are))?[ \t]*(?:at|:)?[ \t]*"
    r"((?:[A-Z0-9][^\n;()]{6,140}?))(?=[ \t]*(?:\(|;|\n|\||$|\.[ \t]|[ \t]{3}))"
)
_ID_LABEL = re.compile(
    r"\b(?i:Account|Acct|A/C|Routing|ABA|SWIFT|BIC|IBAN|Sort\s+Code|Tax\s+ID|TIN|EIN|SSN|"
    r"Social\s+Security|License|Licence|Registration|Registered|Company|Passport|Policy|"
    r"Credit\s+Card|Card|VAT|Fiscal\s+Code|Serial|Patent|Application|Publication)"
    r"(?:\s+(?i:No|Number|Num|Code))?\.?\s*(?:#|:|\(s\))?\s*:?\s*"
    r"([A-Z]{0,4}\s?\d[\dA-Z]*(?:[\-/.,]\d[\dA-Z]*|[ ]\d[\dA-Z]*|-[A-Za-z]+-\d+)*)"
)
_SWIFT = re.compile(
    r"\b(?i:SWIFT|BIC)(?:[ \t]+(?i:Address|Code))?[ \t]*[:#]?[ \t]*"
    r"([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b"
)
_PHONE_CUE = re.compile(
    r"\b(?i:tel(?:ephone)?|phone|fax|facsimile|mobile|cell|t|f|m)\b\.?"
    r"(?:[ \t]*(?i:no|number))?\.?[ \t]*[:#]?[ \t]*"
    r"(\+?[\d(][\d ()\-./]{6,}\d(?:[ \t]*(?i:x|ext)\.?[ \t]*\d+)?)"
)
_PATENT = re.compile(
    r"\b(?:PCT/[A-Z]{2}\d{4}/\d{4,6}|(?:WO|EP|US|CA|AU|JP|CN|ZL|KR|GB|DE|FR)\s?"
    r"\d[\d,./]{5,}\d)"
)
_PERSON_CUES = [
    re.compile(
        rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Drs|Prof|Sir|Dame|Messrs|Avv)\.?[ \t]+"
        rf"({_NAME}(?:[ \t]+(?:{_NAME})){{0,3}}{_SUFFIX})"
    ),
    re.compile(
        rf"(?:\b(?i:Name|By|Attention|Attn|Signature|Signed|Contact|Witness|cc|Copy\s+to)"
        rf"[ \t]*[:.]?[ \t]*(?:/s/[ \t]*)?|/s/[ \t]*)({_FULL_NAME})"
    ),
    re.compile(rf"^[ \t]*({_FULL_NAME})[ \t]*,?[ \t]*(?:\n|$)\s*(?:Title|Its)\s*:", re.MULTILINE),
    # First M. Last, F. Middle Last: an initial is a strong mark of a person.
    re.compile(rf"\b((?:{_NAME})[ \t]+[A-Z]\.(?:[ \t]*[A-Z]\.)?[ \t]+(?:{_NAME}){_SUFFIX})"),
    re.compile(rf"\b([A-Z]\.[ \t]+[A-Z][a-z]+[ \t]+[A-Z][a-z]+(?:-[A-Z][a-z]+)?{_SUFFIX})"),
    re.compile(rf"\b({_FULL_NAME}),?[ \t]+(?:an individual|individually)\b"),
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


def _is_stop(word: str) -> bool:
    bare = word.strip(".,")
    return bare in _NOT_NAME or bare.title() in _NOT_NAME or bare.upper() in _NOT_NAME


def _clean_name(candidate: str) -> str | None:
    words = candidate.split()
    while words and _is_stop(words[0]):
        words.pop(0)
    for i, word in enumerate(words[1:], start=1):
        if _is_stop(word) and word.strip(".,") not in ("III", "II", "IV", "Jr", "Sr"):
            words = words[:i]
            break
    if not words or _COMPANY.search(" ".join(words)):
        return None
    real = [w for w in words if len(w.strip(".,")) >= 2]
    if not real:
        return None
    name = " ".join(words).rstrip(",")
    if not any(c.islower() for c in name) and len(real) < 2:
        return None
    return name if len(name) >= 3 else None


_EMAIL_NAME = re.compile(rf"({_FULL_NAME})[^@\n]{{0,40}}?\b([\w.'-]+)@")
_LIST_NEXT = re.compile(rf"^(?:,[ \t]*(?:and[ \t]+)?|[ \t]+and[ \t]+|[ \t]{{2,}}|\n)({_FULL_NAME})")


def _email_names(text: str) -> set[str]:
    """A name written just before an e-mail address whose local part holds its surname."""
    names = set()
    for match in _EMAIL_NAME.finditer(text):
        local = match.group(2).lower()
        name = _clean_name(match.group(1))
        if name and len(name.split()) > 1 and name.split()[-1].lower().strip(".,") in local:
            names.add(name)
    return names


def _list_names(text: str, names: set[str]) -> set[str]:
    """Names that follow a known name in a list ("A, B and C" or one per line)."""
    found = set(names)
    frontier = set(names)
    for _round in range(12):
        new = set()
        for name in frontier:
            for m in re.finditer(rf"\b{re.escape(name)}\b", text):
                nxt = _LIST_NEXT.match(text, m.end())
                cleaned = _clean_name(nxt.group(1)) if nxt else None
                if cleaned and len(cleaned.split()) > 1 and cleaned not in found:
                    new.add(cleaned)
        if not new:
            break
        found |= new
        frontier = new
    return found


def _person_names(text: str) -> set[str]:
    names: set[str] = set()
    for pattern in _PERSON_CUES:
        for match in pattern.finditer(text):
            name = _clean_name(match.group(1))
            if name:
                names.add(name)
    names |= _email_names(text)
    return _list_names(text, names)


def find_spans(text: str) -> list[tuple[int, int, str]]:
    """Every span to redact as (start, end, label), longest first where they overlap."""
    spans: list[tuple[int, int, str]] = []
    for label, pattern in _PATTERNS.items():
        spans += [(m.start(), m.end(), label) for m in pattern.finditer(text)]
    spans += [
        (m.start(1), m.end(1), "ID_NUMBER")
        for m in _ID_LABEL.finditer(text)
        if sum(c.isdigit() for c in m.group(1)) >= 5
    ]
    spans += [(m.start(), m.end(), "ID_NUMBER") for m in _PATENT.finditer(text)]
    spans += [(m.start(1), m.end(1), "ID_NUMBER") for m in _SWIFT.finditer(text)]
    spans += [(m.start(), m.end(), "ADDRESS") for m in _CITY_ZIP.finditer(text)]
    spans += [
        (m.start(1), m.end(1), "ADDRESS")
        for m in _ADDRESS_CUE.finditer(text)
        if any(c.isdigit() for c in m.group(1)) or "," in m.group(1)
    ]
    spans += [
        (m.start(1), m.end(1), "PHONE")
        for m in _PHONE_CUE.finditer(text)
        if sum(c.isdigit() for c in m.group(1)) >= 7
    ]
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
    """Overlapping spans become one (their union), labelled as the longest of them."""
    merged: list[tuple[int, int, str, int]] = []  # start, end, label, length of that label's span
    for start, end, label in sorted(spans):
        if merged and start < merged[-1][1]:
            m_start, m_end, m_label, m_len = merged[-1]
            keep = (label, end - start) if end - start > m_len else (m_label, m_len)
            merged[-1] = (m_start, max(end, m_end), keep[0], keep[1])
        else:
            merged.append((start, end, label, end - start))
    return [(start, end, label) for start, end, label, _ in merged]


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
