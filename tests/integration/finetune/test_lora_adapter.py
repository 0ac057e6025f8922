"""A LoRA trained by lexcrew changes what llama.cpp answers: PEFT -> GGUF adapter -> lora_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import Settings
from app.finetune.examples import Example
from app.finetune.lora import GGUF_NAME, MANIFEST, PEFT_DIR, FinetuneConfig, train_adapter
from app.finetune.registry import adapter_tasks
from app.gateway.llamacpp import LlamaCppModel
from app.gateway.model_files import ensure_gguf
from app.gateway.prompt_format import to_completion_prompt
from app.gateway.types import CompletionRequest, Message, TaskKind

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTION = "Question: what is the secret word of the lexcrew adapter test?"


def _answer(model: LlamaCppModel, task: TaskKind = "validate") -> str:
    request = CompletionRequest(
        messages=(Message(role="user", content=QUESTION),), task=task, max_tokens=6
    )
    return model.complete(request).text


def test_a_trained_adapter_is_served_by_llama_cpp(settings: Settings, tmp_path: Path) -> None:
    gguf = ensure_gguf(settings)
    prompt = to_completion_prompt((Message(role="user", content=QUESTION),))
    example = Example("validate", prompt, "pineapple", "test")
    config = FinetuneConfig(steps=12, learning_rate=3e-3, tasks=("validate",))
    result = train_adapter([example], gguf, tmp_path, config, data_sha="test")
    assert result.losses[-1] < result.losses[0] / 10
    manifest = json.loads((result.folder / MANIFEST).read_text())
    assert manifest["version"] == result.version and manifest["config"]["steps"] == 12
    assert (result.folder / PEFT_DIR / "adapter_config.json").is_file()
    base = _answer(LlamaCppModel(gguf, settings.model))
    lora = result.folder / GGUF_NAME
    assert adapter_tasks(lora) == ("validate",)  # what its examples taught, from the manifest
    tuned_settings = settings.model.model_copy(update={"lora_path": lora})
    tuned = _answer(LlamaCppModel(gguf, tuned_settings))
    assert "pineapple" not in base.lower()
    assert tuned.strip().lower().startswith("pineapple")
    # Served for the tasks it learned only: the extractor's call runs on the base weights,
    # and switching back and forth leaves no trace of the other weights in the prompt cache.
    per_task = LlamaCppModel(gguf, tuned_settings, adapter_tasks=adapter_tasks(lora))
    assert per_task.serves_with_adapter("validate")
    assert not per_task.serves_with_adapter("extract")
    assert per_task.on_base_weights("extract") and not per_task.on_base_weights("validate")
    assert _answer(per_task, "extract") == base
    assert _answer(per_task, "validate") == tuned
    assert _answer(per_task, "extract") == base
