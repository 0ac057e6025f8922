"""The chat-model protocol every provider and every gateway wrapper implements."""

from __future__ import annotations

from typing import Protocol

from app.gateway.types import Completion, CompletionRequest


class ChatModel(Protocol):
    """A model that answers a request; wrappers (metering, cache, routing) have the same shape."""

    @property
    def name(self) -> str: ...

    @property
    def tier(self) -> str: ...

    def complete(self, request: CompletionRequest) -> Completion: ...
