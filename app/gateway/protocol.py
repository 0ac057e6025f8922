"""The chat-model protocol every provider and every gateway wrapper implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from app.gateway.types import Completion, CompletionRequest


class ChatModel(Protocol):
    """A model that answers a request; wrappers (metering, cache, routing) have the same shape."""

    @property
    def name(self) -> str: ...

    @property
    def tier(self) -> str: ...

    def complete(self, request: CompletionRequest) -> Completion: ...


@runtime_checkable
class TunedModel(Protocol):
    """A model that knows which tasks it answers with weights fine-tuned for them: a base model
    served with a LoRA trained for some tasks only (llama.cpp in-process, or vLLM's
    --lora-modules beside the base)."""

    def on_base_weights(self, task: str) -> bool: ...
