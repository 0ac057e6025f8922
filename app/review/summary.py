"""The key-terms sheet and the memo: facts from verified findings, every risk cited."""

from __future__ import annotations

import re

from app.review.findings import Draft
from app.review.report import Risk, Summary

KEY_TERM_CHARS = 160

# Words that carry a fact: capitalised names and anything with a digit (dates, amounts, ids).
_FACT = re.compile(r"[A-Z][\w&.\-]{2,}|\S*\d\S*")
_FUNCTION_WORDS = frozenset(
    "this the its it is there these those under both each either neither overview agreement "
    "contract main risk risks key terms party parties".split()
)


def key_terms(drafts: list[Draft], categories: tuple[str, ...]) -> dict[str, str]:
    """One line per found category, in playbook order: normalised values, else clause text."""
    terms: dict[str, str] = {}
    for category in categories:
        mine = [d for d in drafts if d.category == category]
        if not mine:
            continue
        values = [d.normalized or " ".join(d.text.split())[:KEY_TERM_CHARS] for d in mine]
        terms[category] = "; ".join(dict.fromkeys(values))
    return terms


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
    """True when every fact-like word of the overview occurs in the terms and risks it was given."""
    haystack = source.lower()
    for match in _FACT.finditer(overview):
        word = match.group(0).strip(".,;:()[]\"'").lower()
        if word and word not in _FUNCTION_WORDS and word not in haystack:
            return False
    return bool(overview.strip())


def memo(overview: str | None, lines: list[str], flagged: list[Draft], source: str) -> str:
    """Compose the memo: the model's overview when grounded (marked as such), then the risks."""
    parts = []
    if overview and overview_is_grounded(overview, source):
        parts.append(f"Overview (model-written; check against the findings): {overview.strip()}")
    elif overview:
        parts.append("Overview not used: the model's text named facts not in the findings.")
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
