"""Training examples come from the real crew path, with a teacher in the model's place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.bootstrap import load_reviewer
from app.config import Settings
from app.evaluation.metrics import matches_gold
from app.extraction.training import LabelledContract
from app.finetune.examples import VERDICT_ITEMS, build_examples, feedback_examples
from app.gateway.prompt_format import ANSWER_CUE
from app.review.crew_plan import NormalizationAnswer, VerdictAnswer
from app.review.grounding import value_is_grounded

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def _contract() -> LabelledContract:
    path = sorted(SAMPLES.glob("*.json"))[0]
    row = json.loads(path.read_text(encoding="utf-8"))
    return LabelledContract(row["title"], row["text"], row["labels"], row.get("answers", {}))


def test_validator_examples_are_the_crews_prompts_with_the_labelled_answers(
    settings: Settings,
) -> None:
    contract = _contract()
    examples = build_examples(
        [contract], settings, seed=7, prompts_per_contract=2, tasks=("validate",)
    )
    assert len(examples) == 2
    for example in examples:
        assert example.task == "validate" and example.source == contract.title
        assert example.prompt.endswith(ANSWER_CUE)
        assert "<contract_text>" in example.prompt  # the clauses sit in the untrusted slot
        answer = VerdictAnswer.model_validate_json(example.answer)
        assert 1 <= len(answer.verdicts) <= VERDICT_ITEMS
        for verdict in answer.verdicts:
            assert f"[{verdict.id}] " in example.prompt
    verdicts = [
        v.verdict for e in examples for v in VerdictAnswer.model_validate_json(e.answer).verdicts
    ]
    assert "yes" in verdicts and "no" in verdicts  # balanced where the contract allows
    again = build_examples(
        [contract], settings, seed=7, prompts_per_contract=2, tasks=("validate",)
    )
    assert [e.to_json() for e in again] == [e.to_json() for e in examples]


def test_extractor_examples_answer_with_gold_values_verbatim_in_the_clauses(
    settings: Settings,
) -> None:
    contract = _contract()
    examples = build_examples([contract], settings, seed=7, tasks=("extract",))
    assert [e.task for e in examples] == ["extract"]  # one prompt, as production asks it
    prompt = examples[0].prompt
    assert prompt.endswith(ANSWER_CUE) and "<contract_text>" in prompt
    answer = NormalizationAnswer.model_validate_json(examples[0].answer)
    assert answer.values  # the sample's parties and title are labelled
    gold = [g for spans in contract.labels.values() for g in spans]
    answers = {a.lower() for a in contract.answers.values()}  # "Nevada" for a governing law
    for item in answer.values:
        # The last line with that id: the prompt's own example comes first.
        line = [x for x in prompt.splitlines() if x.startswith(f"[{item.id}] ")][-1]
        assert value_is_grounded(item.value, line)  # words of the clause the prompt shows
        assert matches_gold(item.value, gold) or item.value.lower() in answers


def test_peoples_verdicts_become_validator_examples(settings: Settings) -> None:
    rows = [
        {"category": "Governing Law", "action": "accept", "predicted": {"text": "Laws of Ohio."}},
        {"category": "Cap on Liability", "action": "reject", "predicted": {"text": "Ship it."}},
        {
            "category": "Parties",
            "action": "correct",
            "predicted": {"text": "Acme Corp. and its"},
            "label": {"text": "Acme Corp."},
        },
    ]
    examples = feedback_examples(rows, load_reviewer(settings).run)
    assert len(examples) == 1  # up to eight clauses share a prompt
    prompt, answer = examples[0].prompt, VerdictAnswer.model_validate_json(examples[0].answer)
    said = {v.id: v.verdict for v in answer.verdicts}
    assert said == {"c1": "yes", "c2": "no", "c3": "yes", "c4": "no"}
    assert "[c3] Parties: Acme Corp." in prompt and "[c4] Parties: Acme Corp. and its" in prompt
