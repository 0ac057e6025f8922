from __future__ import annotations

import ctypes
import json
import logging
from pathlib import Path

import pytest

from app.config import Settings
from app.finetune.registry import packaged_adapter
from app.gateway.llamacpp import LlamaCppModel, _LlamaLog
from app.gateway.model_files import ensure_gguf
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


def test_llama_cpp_speaks_through_the_log_at_its_own_levels(
    settings: Settings, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Loading the model and the shipped LoRA prints nothing to stderr (llama-cpp-python's own
    printer showed llama.cpp's warnings as errors there); its messages reach the
    `lexcrew.llamacpp` logger at DEBUG, and one line says the adapter is loaded."""
    caplog.set_level(logging.DEBUG, logger="lexcrew.llamacpp")
    adapter = packaged_adapter()
    assert adapter is not None
    tuned = settings.model.model_copy(update={"lora_path": adapter})
    LlamaCppModel(ensure_gguf(settings), tuned)
    assert "llama" not in capfd.readouterr().err
    said = [r for r in caplog.records if r.name == "lexcrew.llamacpp"]
    assert any(r.getMessage().startswith("llama.cpp: ") for r in said)  # llama.cpp's own
    shown = [r.getMessage() for r in said if r.levelno >= logging.INFO]
    assert shown == [f"LoRA adapter {adapter.name} loaded"]


def test_llama_cpp_errors_stay_errors_and_the_rest_is_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="lexcrew.llamacpp")
    route = _LlamaLog()
    messages = ((4, b"failed to load"), (5, b" ...details\n"), (3, b"a note"), (5, b" more"))
    for level, text in (*messages, (2, b""), (1, b"detail")):
        route(level, text, ctypes.c_void_p(0))
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "lexcrew.llamacpp"]
    assert said == [
        (logging.ERROR, "llama.cpp: failed to load"),
        (logging.ERROR, "llama.cpp: ...details"),  # a continuation keeps the level before it
        (logging.DEBUG, "llama.cpp: a note"),
        (logging.DEBUG, "llama.cpp: more"),
        (logging.DEBUG, "llama.cpp: detail"),
    ]
