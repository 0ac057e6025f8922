"""Turn drafts into the crew's tasks: rendered prompts with contract text in untrusted slots."""

from __future__ import annotations

from dataclasses import dataclass

from app.prompting import render, untrusted
from app.review.crew_plan import (
    CrewPlan,
    JudgeAnswer,
    MemoAnswer,
    NormalizationAnswer,
    TaskSpec,
    VerdictAnswer,
    agent_specs,
)
from app.review.findings import Draft, needs_model_value

MAX_ITEMS_PER_TASK = 8
CLAUSE_SNIPPET_CHARS = 300


@dataclass(frozen=True)
class PlanInputs:
    """Which drafts each task asks about, plus the summary lines."""

    value_ids: tuple[str, ...]
    verdict_ids: tuple[str, ...]
    key_terms: str
    risks: str
    summarize: bool = True  # ask the summarizer for the memo's overview


def _clause_lines(drafts: list[Draft]) -> str:
    lines = [
        f"[{d.id}] {d.category}: {' '.join(d.text.split())[:CLAUSE_SNIPPET_CHARS]}" for d in drafts
    ]
    return untrusted("\n".join(lines))


def choose_inputs(
    drafts: list[Draft], low_confidence: float, key_terms: str, risks: str
) -> PlanInputs:
    """Pick the clauses the model is asked about: missing values, then low confidence."""
    value = [d for d in drafts if needs_model_value(d)][:MAX_ITEMS_PER_TASK]
    doubtful = sorted(
        (d for d in drafts if d.confidence < low_confidence), key=lambda d: d.confidence
    )
    return PlanInputs(
        value_ids=tuple(d.id for d in value),
        verdict_ids=tuple(d.id for d in doubtful[:MAX_ITEMS_PER_TASK]),
        key_terms=key_terms,
        risks=risks,
    )


def _validator_task(drafts: list[Draft], escalation: str | None = None) -> TaskSpec:
    """The validator's yes/no question about these clauses (at a higher tier: `escalation`)."""
    prompt = render("validator", clauses=_clause_lines(drafts))
    return TaskSpec(
        "validator",
        "validate",
        prompt.text,
        'JSON {"verdicts": [...]}',
        VerdictAnswer,
        prompt.version,
        escalation=escalation,
    )


def build_plan(document_id: str, drafts: list[Draft], inputs: PlanInputs) -> CrewPlan:
    """Return the crew plan; a task with nothing to ask is left out (no model call)."""
    by_id = {d.id: d for d in drafts}
    tasks: list[TaskSpec] = []
    if inputs.value_ids:
        prompt = render("extractor", clauses=_clause_lines([by_id[i] for i in inputs.value_ids]))
        tasks.append(
            TaskSpec(
                "extractor",
                "extract",
                prompt.text,
                'JSON {"values": [...]}',
                NormalizationAnswer,
                prompt.version,
            )
        )
    if inputs.verdict_ids:
        tasks.append(_validator_task([by_id[i] for i in inputs.verdict_ids]))
    if inputs.summarize:
        prompt = render("summarizer", key_terms=untrusted(inputs.key_terms), risks=inputs.risks)
        tasks.append(
            TaskSpec(
                "summarizer",
                "summarize",
                prompt.text,
                'JSON {"overview": "..."}',
                MemoAnswer,
                prompt.version,
            )
        )
    return CrewPlan(document_id=document_id, agents=agent_specs(), tasks=tuple(tasks))


def build_escalation_plan(
    document_id: str, drafts: list[Draft], reasons: dict[str, str], limit: int
) -> tuple[CrewPlan, dict[str, str]]:
    """The validator's task again, for the clauses that go to a higher tier."""
    by_id = {d.id: d for d in drafts}
    chosen = dict(sorted(reasons.items(), key=lambda kv: by_id[kv[0]].confidence)[:limit])
    why = ", ".join(sorted(set(chosen.values())))
    task = _validator_task([by_id[i] for i in chosen], escalation=why)
    return CrewPlan(document_id=document_id, agents=agent_specs(), tasks=(task,)), chosen


def judge_statements(draft: Draft, swapped: bool) -> tuple[str, str]:
    """Statements A and B about a finding; `swapped` puts the false-if-wrong one first."""
    holds = f"this text is a {draft.category} clause."
    fails = f"this text is not a {draft.category} clause."
    return (fails, holds) if swapped else (holds, fails)


def build_judge_plan(document_id: str, drafts: list[Draft], swapped: bool) -> CrewPlan:
    """The judge's question about sampled findings, in one of the two statement orders. The
    statements are ours, not contract text, so they sit outside the untrusted slot: the two
    orders then differ in the prompt's instructions, which the cache keys on."""
    statements = []
    for d in drafts:
        a, b = judge_statements(d, swapped)
        statements.append(f"[{d.id}] A: {a} B: {b}")
    prompt = render("judge", items=_clause_lines(drafts), statements="\n".join(statements))
    task = TaskSpec(
        "judge", "judge", prompt.text, 'JSON {"choices": [...]}', JudgeAnswer, prompt.version
    )
    return CrewPlan(document_id=document_id, agents=agent_specs(), tasks=(task,))
