"""OpenAI-compatible provider (vLLM, llama.cpp server, OpenAI and compatible vendors)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai

from app.config import TierSettings
from app.gateway.llamacpp import gbnf_for_schema
from app.gateway.prompt_format import to_completion_prompt
from app.gateway.providers import sdk_error
from app.gateway.types import Completion, CompletionRequest


def _structured(settings: TierSettings, schema: str | None) -> dict[str, Any]:
    if schema is None or settings.structured == "none":
        return {}
    if settings.structured == "gbnf":
        return {"extra_body": {"grammar": gbnf_for_schema(schema)}}
    if settings.structured == "vllm":
        return {"extra_body": {"structured_outputs": {"json": json.loads(schema)}}}
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": json.loads(schema), "strict": True},
        }
    }


class OpenAICompatibleModel:
    """One tier served over the OpenAI HTTP API; the gateway owns retries (max_retries=0)."""

    def __init__(self, tier: str, settings: TierSettings) -> None:
        self.tier = tier
        self._settings = settings
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self._client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=key,
            timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
            max_retries=0,
        )

    @property
    def name(self) -> str:
        return self._settings.model

    def served_model(self, task: str) -> str:
        """The model name a task's calls ask for: the LoRA (`model`) for the tasks it was trained
        for, the base model beside it (`base_model`, when set) for the rest."""
        tier = self._settings
        return tier.base_model if tier.base_model and task not in tier.adapter_tasks else tier.model

    def on_base_weights(self, task: str) -> bool:
        """Whether this task is answered by weights not trained for it (TunedModel): it goes
        to `base_model`, or one server applies its LoRA (`adapter`) to every task, as
        llama.cpp's server does, and the LoRA learned only `adapter_tasks`. With neither set,
        `model` is what the operator chose for every task: not known to be untrained."""
        tier = self._settings
        return bool(tier.base_model or tier.adapter) and task not in tier.adapter_tasks

    def complete(self, request: CompletionRequest) -> Completion:
        """One call; every failure becomes a ProviderError the gateway can act on."""
        started = time.perf_counter()
        try:
            text, finish, usage = self._call(request)
        except (openai.APIStatusError, openai.APIConnectionError) as exc:  # timeouts included
            timed_out = isinstance(exc, openai.APITimeoutError)
            raise sdk_error(self.tier, exc, timed_out=timed_out) from exc
        return Completion(
            text=text,
            model=self.served_model(request.task),
            tier=self.tier,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            latency_s=time.perf_counter() - started,
            finish_reason=finish,
        )

    def _call(self, request: CompletionRequest) -> tuple[str, str, Any]:
        max_tokens = min(request.max_tokens, self._settings.max_tokens)
        extra = _structured(self._settings, request.json_schema)
        stop = list(request.stop) or None
        if self._settings.api == "completions":
            extra.pop("response_format", None)
            done = self._client.completions.create(
                model=self.served_model(request.task),
                prompt=to_completion_prompt(request.messages),
                max_tokens=max_tokens,
                temperature=0.0,
                stop=stop,
                **extra,
            )
            choice = done.choices[0]
            return choice.text, str(choice.finish_reason or "stop"), done.usage
        chat = self._client.chat.completions.create(
            model=self.served_model(request.task),
            messages=[{"role": m.role, "content": m.content} for m in request.messages],  # type: ignore[misc]
            max_tokens=max_tokens,
            temperature=0.0,
            stop=stop,
            **extra,
        )
        message = chat.choices[0]
        return message.message.content or "", str(message.finish_reason or "stop"), chat.usage
