from __future__ import annotations

from pathlib import Path

import pytest

from agents.crew import CrewReviewer
from app.config import ExtractionSettings, Settings
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.gateway.llamacpp import LlamaCppModel
from app.ingestion.pdf import PypdfParser
from app.ingestion.types import ExtractedText
from app.review.candidates import find_candidates
from app.review.crew_plan import JudgeAnswer
from app.review.findings import Draft, apply_judgement, make_drafts
from app.review.planning import build_judge_plan, build_plan, choose_inputs
from tests.support.gateway import bound, gateway_settings, make_gateway, open_sessions

pytestmark = pytest.mark.integration


def _drafts(pdf: bytes) -> tuple[ExtractedText, list[Draft]]:
    doc = PypdfParser().parse(pdf, "agency.pdf")
    found = find_candidates(doc, ClauseModel.load(), PhraseModel.load(), ExtractionSettings())
    return doc, make_drafts(doc, found.findings)[0]


def test_the_crew_runs_every_task_through_the_gateway(
    settings: Settings, llama: LlamaCppModel, sample_bytes: bytes, tmp_path: Path
) -> None:
    doc, drafts = _drafts(sample_bytes)
    inputs = choose_inputs(drafts, 0.5, "Governing Law: Nevada", "none")
    plan = build_plan(doc.document_id, drafts, inputs)
    assert len(plan.tasks) == 3

    gateway = make_gateway(open_sessions(tmp_path), {"self_hosted": llama}, gateway_settings())
    model = bound(gateway, document_id=doc.document_id)
    meter = model.meter
    outputs = CrewReviewer(settings).run(plan, model)

    calls = meter.records
    assert [r.task for r in calls] == ["extract", "validate", "summarize"]
    assert all(r.document_id == doc.document_id for r in calls)
    assert set(outputs.answers) | set(outputs.errors) == {"extract", "validate", "summarize"}
    # Grammar-constrained answers parse: the model may be weak, but never malformed.
    assert outputs.errors == {}


def test_the_judge_is_asked_twice_with_the_statements_swapped(
    settings: Settings, llama: LlamaCppModel, sample_bytes: bytes, tmp_path: Path
) -> None:
    doc, drafts = _drafts(sample_bytes)
    chosen = drafts[:3]
    plans = [build_judge_plan(doc.document_id, chosen, swapped) for swapped in (False, True)]
    first, second = (p.tasks[0].description for p in plans)
    first_id, category = chosen[0].id, chosen[0].category
    holds = f"[{first_id}] A: this text is a {category} clause. B: this text is not"
    assert holds in first and holds not in second
    assert f"[{first_id}] A: this text is not a {category} clause." in second
    # The statements are outside the contract-text slot: the cache tells the orders apart.
    assert holds not in first.split("<contract_text>")[2].split("</contract_text>")[0]

    gateway = make_gateway(open_sessions(tmp_path), {"self_hosted": llama}, gateway_settings())
    model = bound(gateway, document_id=doc.document_id)
    answers = []
    for plan in plans:
        outputs = CrewReviewer(settings).run(plan, model)
        assert outputs.errors == {}  # grammar-constrained: A or B for each id
        answer = outputs.answers["judge"]
        assert isinstance(answer, JudgeAnswer)
        answers.append(answer)
    assert [r.task for r in model.meter.records] == ["judge", "judge"]
    judged = apply_judgement(drafts, [d.id for d in chosen], answers[0], answers[1], "self_hosted")
    verdicts = {d.id: d.checks.get("judge") for d in judged}
    for draft in chosen:
        assert verdicts[draft.id] in {"correct", "incorrect", "inconsistent", "no_answer"}
    assert all("judge" not in d.checks for d in judged[3:])
