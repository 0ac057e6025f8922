"""Drafts of findings between the crew's steps, and how each agent's answer updates them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.extraction.normalizers import NORMALIZERS, normalize
from app.ingestion.types import ExtractedText
from app.review.candidates import Candidate
from app.review.crew_plan import NormalizationAnswer, VerdictAnswer
from app.review.grounding import grounding_checks, value_is_grounded

# Categories whose value is words of the clause itself (a name, a title): only a model can
# pick them out; its answer is kept only when it is verbatim in the clause.
MODEL_VALUE_CATEGORIES = frozenset({"Parties", "Document Name"})


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
    return kept, dropped


def needs_model_value(draft: Draft) -> bool:
    """True when no rule gave the clause a value and a model may find one."""
    return draft.normalized is None and (
        draft.category in MODEL_VALUE_CATEGORIES or draft.category in NORMALIZERS
    )


def apply_values(drafts: list[Draft], answer: NormalizationAnswer, asked: set[str]) -> list[Draft]:
    """Take the extractor's values that are verbatim in their clause; record the rejects."""
    values = {item.id: item.value for item in answer.values if item.id in asked}
    updated = []
    for draft in drafts:
        value = values.get(draft.id)
        if value is None:
            updated.append(draft)
        elif value_is_grounded(value, draft.text):
            checks = {**draft.checks, "value_source": "model"}
            updated.append(replace(draft, normalized=value.strip(), checks=checks))
        else:
            updated.append(replace(draft, checks={**draft.checks, "model_value_rejected": True}))
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
