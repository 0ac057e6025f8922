"""Anthropic's Messages API as a tier provider."""

from __future__ import annotations

import time

import anthropic

from app.config import TierSettings
from app.gateway.providers import sdk_error
from app.gateway.types import Completion, CompletionRequest


class AnthropicModel:
    """One tier served by Anthropic; JSON answers are asked for in the system prompt."""

    def __init__(self, tier: str, settings: TierSettings) -> None:
        self.tier = tier
        self._settings = settings
        self._client = anthropic.Anthropic(
            api_key=settings.api_key.get_secret_value() if settings.api_key else None,
            base_url=settings.base_url,
            timeout=anthropic.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
            max_retries=0,
        )

    @property
    def name(self) -> str:
        return self._settings.model

    def complete(self, request: CompletionRequest) -> Completion:
        """One call; every failure becomes a ProviderError the gateway can act on."""
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        if request.json_schema:
            system += (
                "\n\nAnswer with one JSON object only, matching this JSON schema:\n"
                + request.json_schema
            )
        turns = [m for m in request.messages if m.role != "system"]
        started = time.perf_counter()
        try:
            message = self._client.messages.create(
                model=self.name,
                max_tokens=min(request.max_tokens, self._settings.max_tokens),
                system=system.strip() or anthropic.omit,
                messages=[{"role": m.role, "content": m.content} for m in turns],  # type: ignore[misc]
                stop_sequences=list(request.stop) or anthropic.omit,
            )
        except (anthropic.APIStatusError, anthropic.APIConnectionError) as exc:  # timeouts included
            timed_out = isinstance(exc, anthropic.APITimeoutError)
            raise sdk_error(self.tier, exc, timed_out=timed_out) from exc
        text = "".join(getattr(block, "text", "") for block in message.content)
        return Completion(
            text=text,
            model=self.name,
            tier=self.tier,
            prompt_tokens=message.usage.input_tokens,
            completion_tokens=message.usage.output_tokens,
            latency_s=time.perf_counter() - started,
            finish_reason=str(message.stop_reason or "stop"),
        )
