from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.gateway.llamacpp import LlamaCppModel
from app.gateway.types import CompletionRequest, Message
from app.review.crew_plan import VerdictAnswer
from tests.support.gateway import bound, gateway_settings, make_gateway, open_sessions

pytestmark = pytest.mark.integration


def test_a_schema_constrained_completion_parses_and_is_metered(
    llama: LlamaCppModel, tmp_path: Path
) -> None:
    gateway = make_gateway(open_sessions(tmp_path), {"self_hosted": llama}, gateway_settings())
    model = bound(gateway)
    meter = model.meter
    request = CompletionRequest(
        messages=(Message("user", 'Is "governed by the laws of Texas" a governing law clause?'),),
        task="validate",
        max_tokens=64,
        json_schema=json.dumps(VerdictAnswer.model_json_schema()),
    )
    completion = model.complete(request)
    answer = VerdictAnswer.model_validate_json(completion.text)
    assert all(v.verdict in ("yes", "no") for v in answer.verdicts)
    usage = meter.summary()
    assert usage.llm_calls == 1
    assert usage.prompt_tokens > 5 and usage.completion_tokens > 0


def test_an_over_long_prompt_is_cut_to_fit_the_context(llama: LlamaCppModel) -> None:
    long_text = "The Supplier shall deliver the goods. " * 2000
    request = CompletionRequest(
        messages=(Message("user", long_text),), task="summarize", max_tokens=8
    )
    completion = llama.complete(request)
    assert completion.prompt_tokens < 4096
