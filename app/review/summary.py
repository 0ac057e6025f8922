"""The key-terms sheet and the memo: facts from verified findings, every risk cited."""

from __future__ import annotations

import re
import textwrap

from app.review.findings import Draft
from app.review.report import Risk, Summary

KEY_TERM_CHARS = 160
OVERVIEW_VALUE_CHARS = 80
OVERVIEW_VALUES = 3  # values of one term the overview names before "and N more"
# The terms the overview built from the findings names, in this order, and how it says each
# (names are quoted: they have commas of their own).
OVERVIEW_TERMS = (
    ("Document Name", "{}", False),
    ("Parties", "between {}", True),
    ("Agreement Date", "dated {}", False),
    ("Effective Date", "effective {}", False),
    ("Expiration Date", "expiring {}", False),
    ("Governing Law", "governed by the law of {}", False),
)

# Words that carry a fact: capitalised names and anything with a digit (dates, amounts, ids).
_FACT = re.compile(r"[A-Z][\w&.\-]{2,}|\S*\d\S*")
_FUNCTION_WORDS = frozenset(
    "this the its it is there these those under both each either neither overview agreement "
    "contract main risk risks key terms party parties".split()
)


def _values(drafts: list[Draft], category: str) -> list[str]:
    """A category's distinct values, in reading order: normalised, else the clause's text."""
    values = [
        d.normalized or " ".join(d.text.split())[:KEY_TERM_CHARS]
        for d in drafts
        if d.category == category
    ]
    return list(dict.fromkeys(values))


def key_terms(drafts: list[Draft], categories: tuple[str, ...]) -> dict[str, str]:
    """One line per found category, in playbook order: normalised values, else clause text."""
    terms: dict[str, str] = {}
    for category in categories:
        values = _values(drafts, category)
        if values:
            terms[category] = "; ".join(values)
    return terms


def facts_overview(drafts: list[Draft], risks: dict[str, Risk], missing: dict[str, Risk]) -> str:
    """The memo's overview from the findings alone (names, dates, law, risk counts): every
    word of it is a finding's value or ours, so it cannot say what the contract does not.
    `risks` and `missing` are what `risk_lines` lists (by clause id; by absent category)."""
    parts = []
    for category, form, quoted in OVERVIEW_TERMS:
        values = _values(drafts, category)
        if not values:
            continue
        short = [textwrap.shorten(v, OVERVIEW_VALUE_CHARS, placeholder="...") for v in values]
        named = ", ".join(f'"{v}"' if quoted else v for v in short[:OVERVIEW_VALUES])
        more = len(values) - OVERVIEW_VALUES
        parts.append(form.format(named + (f" and {more} more" if more > 0 else "")))
    head = "; ".join(parts) if parts else "no title, parties, dates or governing law found"
    severities = [risks[d.id].severity for d in drafts] + [r.severity for r in missing.values()]
    high, medium = severities.count("high"), severities.count("medium")
    found = len({d.category for d in drafts})
    return (
        f"{head}. {len(drafts)} findings in {found} categories; "
        f"{high} high and {medium} medium risks below."
    )


def risk_lines(drafts: list[Draft], risks: dict[str, Risk], missing: dict[str, Risk]) -> list[str]:
    """Return one line per medium or high risk, citing the clause id and page."""
    lines = [
        f"[{d.id}, p. {d.page}] {risks[d.id].severity}: {d.category}: {risks[d.id].reason}"
        for d in drafts
        if risks[d.id].severity in ("high", "medium")
    ]
    lines += [f"[missing] {r.severity}: {c}: {r.reason}" for c, r in missing.items()]
    return lines


def overview_is_grounded(overview: str, source: str) -> bool:
    """True when the overview names a fact (a name, a date, a number) and every fact-like word
    of it occurs in the terms and risks it was given; text without one says nothing."""
    haystack = source.lower()
    named = False
    for match in _FACT.finditer(overview):
        word = match.group(0).strip(".,;:()[]\"'").lower()
        if word and word not in _FUNCTION_WORDS:
            if word not in haystack:
                return False
            named = True
    return named


def repeats_itself(overview: str) -> bool:
    """True when a sentence of the overview comes twice (a small model's loop)."""
    sentences = [" ".join(s.lower().split()) for s in re.split(r"(?<=[.!?])\s+", overview)]
    sentences = [s for s in sentences if s]
    return len(set(sentences)) < len(sentences)


def memo(
    overview: str | None, lines: list[str], flagged: list[Draft], source: str, facts: str
) -> str:
    """Compose the memo: the model's overview when grounded (marked as such), else the one
    built from the findings (`facts`), then the risks."""
    parts = []
    if overview and overview_is_grounded(overview, source) and not repeats_itself(overview):
        parts.append(f"Overview (model-written; check against the findings): {overview.strip()}")
    else:
        parts.append(f"Overview (from the findings): {facts}")
        if overview:
            parts.append(
                "The model's overview was not used: it named facts not in the findings, "
                "none at all, or repeated itself."
            )
    parts.append(
        "Risks:\n" + ("\n".join(f"- {line}" for line in lines) if lines else "- none found")
    )
    if flagged:
        ids = ", ".join(d.id for d in flagged)
        parts.append(f"Flagged for human review (validator doubts): {ids}")
    return "\n\n".join(parts)


def build_summary(terms: dict[str, str], memo_text: str) -> Summary:
    """Return the report's summary section."""
    return Summary(key_terms=terms, memo=memo_text)
