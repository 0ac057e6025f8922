"""Drafts of findings between the crew's steps, and how each agent's answer updates them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from app.extraction.normalizers import (
    NORMALIZERS,
    contract_start,
    normalize,
    resolve_expiration,
)
from app.ingestion.types import ExtractedText
from app.review.candidates import Candidate
from app.review.crew_plan import JudgeAnswer, NormalizationAnswer, VerdictAnswer
from app.review.grounding import grounding_checks, value_is_grounded

# Categories whose value is words of the clause itself (a name, a title): only a model can
# pick them out; its answer is kept only when it is verbatim in the clause.
MODEL_VALUE_CATEGORIES = frozenset({"Parties", "Document Name"})
# A normalised value longer than this is a runaway answer (clause length: grounding.py).
MAX_VALUE_CHARS = 120


@dataclass(frozen=True)
class Draft:
    """A finding under review."""

    id: str
    category: str
    text: str
    page: int
    start: int
    end: int
    confidence: float
    normalized: str | None
    checks: dict[str, bool | str]
    tier: str = "self_hosted"
    escalated: bool = False


def make_drafts(doc: ExtractedText, candidates: list[Candidate]) -> tuple[list[Draft], int]:
    """Number candidates in reading order, normalise them, and drop any that is not grounded."""
    kept: list[Draft] = []
    dropped = 0
    for cand in sorted(candidates, key=lambda c: (c.start, c.category)):
        checks: dict[str, bool | str] = dict(
            grounding_checks(doc, cand.text, cand.page, cand.start, cand.end)
        )
        if not all(checks.values()):
            dropped += 1
            continue
        value = normalize(cand.category, cand.text)
        if cand.category in NORMALIZERS:
            checks["value_parsed"] = value is not None
        checks["length_ok"] = bool(checks["length_ok"]) and len(value or "") <= MAX_VALUE_CHARS
        checks["model_check"] = "not_checked"
        kept.append(
            Draft(
                id=f"c{len(kept) + 1}",
                category=cand.category,
                text=cand.text,
                page=cand.page,
                start=cand.start,
                end=cand.end,
                confidence=cand.confidence,
                normalized=value,
                checks=checks,
            )
        )
    return date_terms(kept), dropped


def start_date(drafts: list[Draft]) -> str | None:
    """When the contract starts, from its most confident effective and agreement dates."""

    def best(category: str) -> str | None:
        dated = [d for d in drafts if d.category == category and d.normalized]
        return max(dated, key=lambda d: d.confidence).normalized if dated else None

    return contract_start(best("Effective Date"), best("Agreement Date"))


def date_terms(drafts: list[Draft]) -> list[Draft]:
    """Turn expirations said as a term ("five years") into dates from the contract's start."""
    start = start_date(drafts)
    return [
        replace(d, normalized=resolve_expiration(d.normalized, start))
        if d.category == "Expiration Date" and d.normalized
        else d
        for d in drafts
    ]


def needs_model_value(draft: Draft) -> bool:
    """True when no rule gave the clause a value and a model may find one."""
    return draft.normalized is None and (
        draft.category in MODEL_VALUE_CATEGORIES or draft.category in NORMALIZERS
    )


def apply_values(drafts: list[Draft], answer: NormalizationAnswer, asked: set[str]) -> list[Draft]:
    """Take the extractor's values that are verbatim in their clause. Every clause asked about
    records what became of its value in `model_value`: `kept`, `rejected` (not verbatim in the
    clause) or `no_answer`."""
    values = {item.id: item.value for item in answer.values if item.id in asked}
    updated = []
    for draft in drafts:
        value = values.get(draft.id)
        if draft.id not in asked:
            updated.append(draft)
        elif value is None:
            updated.append(replace(draft, checks={**draft.checks, "model_value": "no_answer"}))
        elif value_is_grounded(value, draft.text):
            checks = {**draft.checks, "value_source": "model", "model_value": "kept"}
            if draft.category in NORMALIZERS:  # a date, period, amount...: it must parse
                checks["value_parsed"] = normalize(draft.category, value) is not None
            checks["length_ok"] = bool(draft.checks.get("length_ok", True)) and (
                len(value.strip()) <= MAX_VALUE_CHARS
            )
            updated.append(replace(draft, normalized=value.strip(), checks=checks))
        else:
            updated.append(replace(draft, checks={**draft.checks, "model_value": "rejected"}))
    return updated


def apply_verdicts(drafts: list[Draft], answer: VerdictAnswer, asked: set[str]) -> list[Draft]:
    """Record the validator's yes/no per asked clause; a 'no' flags it for human review."""
    verdicts = {v.id: v.verdict for v in answer.verdicts if v.id in asked}
    updated = []
    for draft in drafts:
        verdict = verdicts.get(draft.id)
        if verdict is None:
            if draft.id in asked:
                draft = replace(draft, checks={**draft.checks, "model_check": "no_answer"})
            updated.append(draft)
            continue
        checks: dict[str, bool | str] = {**draft.checks, "model_check": verdict}
        if verdict == "no":
            checks["flagged"] = True
        updated.append(replace(draft, checks=checks))
    return updated


def escalation_reasons(drafts: list[Draft], below: float, hard: frozenset[str]) -> dict[str, str]:
    """Why each clause should be checked again at a higher tier, if it should."""
    reasons: dict[str, str] = {}
    for draft in drafts:
        if draft.checks.get("model_check") == "no":
            reasons[draft.id] = "failed validation"
        elif draft.category in hard:
            reasons[draft.id] = "hard category"
        elif draft.confidence < below:
            reasons[draft.id] = "low confidence"
    return reasons


def apply_escalation(
    drafts: list[Draft], answer: VerdictAnswer, reasons: dict[str, str], tier: str
) -> list[Draft]:
    """The higher tier's verdict replaces the first one for every clause it answered; a clause
    it was asked about but did not answer keeps its first verdict and says so."""
    verdicts = {v.id: v.verdict for v in answer.verdicts if v.id in reasons}
    updated = []
    for draft in drafts:
        verdict = verdicts.get(draft.id)
        if draft.id not in reasons:
            updated.append(draft)
            continue
        if verdict is None:
            note = f"{reasons[draft.id]}; no verdict from {tier}"
            checks_kept: dict[str, bool | str] = {**draft.checks, "escalation": note}
            updated.append(replace(draft, checks=checks_kept, tier=tier, escalated=True))
            continue
        checks: dict[str, bool | str] = {
            **draft.checks,
            "model_check": verdict,
            "escalation": reasons[draft.id],
        }
        checks.pop("flagged", None)
        if verdict == "no":
            checks["flagged"] = True
        updated.append(replace(draft, checks=checks, tier=tier, escalated=True))
    return updated


def _holds(answer: JudgeAnswer | None, clause_id: str, swapped: bool) -> bool | None:
    """Whether the judge said the finding holds in this order (None: no answer for it)."""
    for item in answer.choices if answer is not None else []:
        if item.id == clause_id:
            return (item.choice == "B") if swapped else (item.choice == "A")
    return None


def apply_judgement(
    drafts: list[Draft],
    ids: list[str],
    in_order: JudgeAnswer | None,
    swapped: JudgeAnswer | None,
    tier: str,
) -> list[Draft]:
    """The judge's verdict per sampled finding, asked in both statement orders: `correct` or
    `incorrect` when both orders agree, `inconsistent` when the order changed the answer
    (position bias), `no_answer` when one order gave none."""
    updated = []
    for draft in drafts:
        if draft.id not in ids:
            updated.append(draft)
            continue
        first, second = _holds(in_order, draft.id, False), _holds(swapped, draft.id, True)
        if first is None or second is None:
            verdict = "no_answer"
        elif first != second:
            verdict = "inconsistent"
        else:
            verdict = "correct" if first else "incorrect"
        checks = {**draft.checks, "judge": verdict, "judge_tier": tier}
        updated.append(replace(draft, checks=checks))
    return updated


def judge_sample(document_id: str, drafts: list[Draft], rate: float, limit: int) -> list[str]:
    """A stable sample of the findings for the judge (a hash of document and finding, salted
    apart from the human review sample)."""
    chosen = []
    for draft in drafts:
        digest = hashlib.sha256(f"judge:{document_id}:{draft.id}".encode()).digest()
        if int.from_bytes(digest[:4], "big") / 2**32 < rate:
            chosen.append(draft.id)
    return chosen[:limit]


def mark_schema(drafts: list[Draft], asked: set[str], parsed: bool) -> list[Draft]:
    """Record whether the model's answer about these findings matched its JSON schema."""
    return [
        replace(d, checks={**d.checks, "schema": parsed}) if d.id in asked else d for d in drafts
    ]
