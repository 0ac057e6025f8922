"""Training examples for the self-hosted model, in exactly the form the crew sends them.

Each labelled contract goes through the product's own path: the candidate finder, the drafts,
the crew plan and the CrewAI crew. The crew's model is a teacher that knows the right answers
(from CUAD's labels, or from people's corrections) and records each prompt as the model would
receive it (`to_completion_prompt`) beside the answer it should give. So the adapter learns the
prompts it will see in production, whatever CrewAI adds around them.

Tasks taught today: the validator's yes/no (is this text a clause of its category?), labelled
by the scoring rule of ../shared/cuad/README.md (Jaccard >= 0.5 with a gold clause), and by
people's verdicts in a `lexcrew feedback export` file (accepted or corrected text: yes;
rejected or replaced text: no).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.config import ExtractionSettings, Settings
from app.evaluation.metrics import matches_gold
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.extraction.training import LabelledContract
from app.gateway.prompt_format import to_completion_prompt
from app.gateway.types import Completion, CompletionRequest
from app.ingestion.types import ExtractedText
from app.review.candidates import find_candidates
from app.review.crew_plan import CrewOutputs, CrewPlan, Verdict, VerdictAnswer
from app.review.findings import Draft, make_drafts
from app.review.planning import MAX_ITEMS_PER_TASK, PlanInputs, build_plan, choose_inputs

# Clauses per validator prompt: 1 to 8 as in production (planning.MAX_ITEMS_PER_TASK), so the
# model learns to answer every id however many are asked (a first adapter, trained on prompts
# of 4, left 108 of 266 dev questions unanswered).
VERDICT_ITEMS = MAX_ITEMS_PER_TASK
_EMPTY = {"extract": '{"values": []}', "summarize": '{"overview": ""}'}


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
) -> list[Example]:
    """Validator examples of one contract, through the crew."""
    doc = ExtractedText.from_pages(f"{index:064x}", contract.title, [contract.text])
    found = find_candidates(doc, clause_model, phrase_model, ExtractionSettings())
    drafts, _ = make_drafts(doc, found.findings + found.possible)
    truth = _truth(drafts, contract.labels)
    examples = []
    for _ in range(prompts_per_contract):
        chosen = _balanced(truth, rng, rng.randint(1, VERDICT_ITEMS))
        if not chosen:
            break
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
) -> list[Example]:
    """Validator examples for every contract, in order; deterministic for a seed."""
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
