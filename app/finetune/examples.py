"""Training examples for the self-hosted model, in exactly the form the crew sends them.

Each labelled contract goes through the product's own path: the candidate finder, the drafts,
the crew plan and the CrewAI crew. The crew's model is a teacher that knows the right answers
(from CUAD's labels, or from people's corrections) and records each prompt as the model would
receive it (`to_completion_prompt`) beside the answer it should give. So the adapter learns the
prompts it will see in production, whatever CrewAI adds around them.

Tasks taught (`FinetuneConfig.tasks`):
* `extract`: the extractor's value words of each clause it is asked about (parties, titles,
  and values no rule found). The answer is a gold clause of the category found verbatim in the
  clause (CUAD's Parties and Document Name clauses are the names and titles themselves), or the
  words that agree with CUAD's normalised answer (a governing-law state, a renewal period); a
  clause with neither gets no value, as a wrong finding should.
* `validate`: the validator's yes/no (is this text a clause of its category?), labelled by the
  scoring rule of ../shared/cuad/README.md (Jaccard >= 0.5 with a gold clause), and by
  people's verdicts in a `lexcrew feedback export` file (accepted or corrected text: yes;
  rejected or replaced text: no).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.config import ExtractionSettings, Settings
from app.evaluation.metrics import matches_gold
from app.evaluation.values import PERIOD, PERIOD_CATEGORIES, value_matches
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.extraction.training import LabelledContract
from app.gateway.prompt_format import to_completion_prompt
from app.gateway.types import Completion, CompletionRequest
from app.ingestion.types import ExtractedText
from app.review.candidates import find_candidates
from app.review.crew_plan import (
    CrewOutputs,
    CrewPlan,
    NormalizationAnswer,
    ValueItem,
    Verdict,
    VerdictAnswer,
)
from app.review.findings import MAX_VALUE_CHARS, Draft, make_drafts
from app.review.grounding import squash
from app.review.planning import MAX_ITEMS_PER_TASK, PlanInputs, build_plan, choose_inputs

# Clauses per validator prompt: 1 to 8 as in production (planning.MAX_ITEMS_PER_TASK), so the
# model learns to answer every id however many are asked (a first adapter, trained on prompts
# of 4, left 108 of 266 dev questions unanswered).
VERDICT_ITEMS = MAX_ITEMS_PER_TASK
_EMPTY = {"extract": '{"values": []}', "summarize": '{"overview": ""}'}
TASKS = ("extract", "validate")
# Categories whose value is a few words CUAD's answer names (a state, a period), never the
# sentence its gold clause is.
_ANSWERED_BY_WORDS = frozenset({"Governing Law", *PERIOD_CATEGORIES})


@dataclass(frozen=True)
class Example:
    """One prompt as the model receives it and the answer it should give."""

    task: str
    prompt: str
    answer: str
    source: str  # the contract's title

    def to_json(self) -> str:
        return json.dumps(
            {"task": self.task, "prompt": self.prompt, "answer": self.answer, "source": self.source}
        )


@dataclass
class Teacher:
    """A chat model that gives the known answer for each task and records the prompt."""

    answers: dict[str, str]
    recorded: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return "teacher"

    @property
    def tier(self) -> str:
        return "self_hosted"

    def complete(self, request: CompletionRequest) -> Completion:
        answer = self.answers.get(request.task, _EMPTY.get(request.task, "{}"))
        if request.task in self.answers:
            self.recorded.append((request.task, to_completion_prompt(request.messages), answer))
        return Completion(
            text=answer,
            model=self.name,
            tier=self.tier,
            prompt_tokens=0,
            completion_tokens=0,
            latency_s=0.0,
        )


def _truth(drafts: Sequence[Draft], labels: dict[str, list[str]]) -> dict[str, bool]:
    """Whether each draft matches a gold clause of its category (the scoring rule)."""
    return {d.id: matches_gold(d.text, labels.get(d.category, [])) for d in drafts}


def _answer_words(category: str, text: str, answer: str) -> str | None:
    """Words of the clause that agree with CUAD's normalised answer: a place of a governing-law
    answer, or a period ("30 days") of a renewal or notice answer."""
    if category == "Governing Law":
        found = [p.strip() for p in re.split(r"[,;]", answer) if p.strip()]
    else:
        found = [m.group(0) for m in PERIOD.finditer(text)]
    lowered = squash(text).lower()
    for words in found:
        if squash(words).lower() in lowered and value_matches(category, words, answer):
            return squash(words)
    return None


def teacher_value(draft: Draft, gold: Sequence[str], answer: str | None) -> str | None:
    """The value the extractor should give for this clause, verbatim in it, or None."""
    if draft.category in _ANSWERED_BY_WORDS:  # their gold clauses are sentences, not values
        return _answer_words(draft.category, draft.text, answer) if answer else None
    text = squash(draft.text)
    lowered = text.lower()
    inside = []
    for span in gold:
        needle = squash(span)
        at = lowered.find(needle.lower()) if needle else -1
        if at >= 0 and len(needle) <= MAX_VALUE_CHARS:
            inside.append((at, -len(needle), text[at : at + len(needle)]))
    if inside:
        return min(inside)[2]  # the first gold value in reading order, the longest there
    if len(text) <= MAX_VALUE_CHARS and matches_gold(text, gold):
        return text  # the clause is (most of) a gold value itself
    return None


def _extract_answer(drafts: Sequence[Draft], ids: Sequence[str], contract: LabelledContract) -> str:
    by_id = {d.id: d for d in drafts}
    items = []
    for i in ids:
        draft = by_id[i]
        value = teacher_value(
            draft, contract.labels.get(draft.category, []), contract.answers.get(draft.category)
        )
        if value is not None:
            items.append(ValueItem(id=i, value=value))
    return NormalizationAnswer(values=items).model_dump_json()


def _balanced(truth: dict[str, bool], rng: random.Random, size: int) -> list[str]:
    """Up to `size` draft ids, half right and half wrong where the contract allows."""
    right = sorted(i for i, t in truth.items() if t)
    wrong = sorted(i for i, t in truth.items() if not t)
    rng.shuffle(right)
    rng.shuffle(wrong)
    half = size // 2
    chosen = right[:half] + wrong[: size - min(half, len(right))]
    chosen += right[half : size - len(chosen) + half]
    rng.shuffle(chosen)
    return chosen[:size]


def contract_examples(
    contract: LabelledContract,
    index: int,
    run_crew: Callable[[CrewPlan, Teacher], CrewOutputs],
    clause_model: ClauseModel,
    phrase_model: PhraseModel,
    rng: random.Random,
    prompts_per_contract: int,
    tasks: Sequence[str] = TASKS,
) -> list[Example]:
    """Examples of one contract, through the crew: the extractor's prompt as production asks it
    (about the findings), and `prompts_per_contract` validator prompts of 1 to 8 findings and
    possible clauses, half right and half wrong where the contract allows."""
    doc = ExtractedText.from_pages(f"{index:064x}", contract.title, [contract.text])
    found = find_candidates(doc, clause_model, phrase_model, ExtractionSettings())
    examples = []
    if "extract" in tasks:
        findings, _ = make_drafts(doc, found.findings)
        inputs = choose_inputs(findings, 0.0, "", "")
        if inputs.value_ids:
            teacher = Teacher({"extract": _extract_answer(findings, inputs.value_ids, contract)})
            run_crew(build_plan(doc.document_id, findings, inputs), teacher)
            examples += [Example(t, p, a, contract.title) for t, p, a in teacher.recorded]
    if "validate" not in tasks:
        return examples
    drafts, _ = make_drafts(doc, found.findings + found.possible)
    truth = _truth(drafts, contract.labels)
    for _ in range(prompts_per_contract):
        chosen = _balanced(truth, rng, rng.randint(1, VERDICT_ITEMS))
        if not chosen:
            break
        # The extractor's task stays in the plan, as in production: CrewAI hands its (empty)
        # answer to the validator's prompt as context.
        base = choose_inputs(drafts, 0.0, "", "")
        inputs = PlanInputs(base.value_ids, tuple(chosen), base.key_terms, base.risks)
        answer = VerdictAnswer(
            verdicts=[Verdict(id=i, verdict="yes" if truth[i] else "no") for i in chosen]
        )
        teacher = Teacher({"validate": answer.model_dump_json()})
        run_crew(build_plan(doc.document_id, drafts, inputs), teacher)
        examples += [Example(t, p, a, contract.title) for t, p, a in teacher.recorded]
    return examples


def build_examples(
    contracts: Iterable[LabelledContract],
    settings: Settings,
    seed: int,
    prompts_per_contract: int = 2,
    log: Callable[[str], None] = print,
    tasks: Sequence[str] = TASKS,
) -> list[Example]:
    """Examples of these tasks for every contract, in order; deterministic for a seed."""
    from app.bootstrap import load_reviewer

    reviewer = load_reviewer(settings)
    clause_model, phrase_model = ClauseModel.load(), PhraseModel.load()
    rng = random.Random(seed)
    examples: list[Example] = []
    started = time.perf_counter()
    for index, contract in enumerate(contracts):
        examples += contract_examples(
            contract,
            index,
            reviewer.run,
            clause_model,
            phrase_model,
            rng,
            prompts_per_contract,
            tasks,
        )
        if (index + 1) % 50 == 0:
            seconds = time.perf_counter() - started
            log(f"{index + 1} contracts, {len(examples)} examples ({seconds:.0f} s)")
    return examples


def _feedback_verdicts(row: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(category, text, right) pairs one exported verdict teaches."""
    category = str(row.get("category") or "")
    predicted = str((row.get("predicted") or {}).get("text") or "")
    label = row.get("label") or {}
    if not category or not predicted:
        return []
    if row.get("action") == "reject":
        return [(category, predicted, False)]
    corrected = str(label.get("text") or predicted)
    pairs = [(category, corrected, True)]
    if " ".join(corrected.split()) != " ".join(predicted.split()):
        pairs.append((category, predicted, False))
    return pairs


def feedback_examples(
    rows: Iterable[dict[str, Any]],
    run_crew: Callable[[CrewPlan, Teacher], CrewOutputs],
) -> list[Example]:
    """Validator examples from people's verdicts, a few clauses per prompt, in file order."""
    pairs = [pair for row in rows for pair in _feedback_verdicts(row)]
    examples: list[Example] = []
    for at in range(0, len(pairs), VERDICT_ITEMS):
        chunk = pairs[at : at + VERDICT_ITEMS]
        drafts = [
            Draft(f"c{i + 1}", category, text, 1, 0, len(text), 0.0, None, {})
            for i, (category, text, _) in enumerate(chunk)
        ]
        answer = VerdictAnswer(
            verdicts=[
                Verdict(id=d.id, verdict="yes" if right else "no")
                for d, (_, _, right) in zip(drafts, chunk, strict=True)
            ]
        )
        teacher = Teacher({"validate": answer.model_dump_json()})
        inputs = PlanInputs((), tuple(d.id for d in drafts), "", "")
        run_crew(build_plan("feedback", drafts, inputs), teacher)
        examples += [Example(t, p, a, "feedback") for t, p, a in teacher.recorded]
    return examples
