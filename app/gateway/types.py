"""Values that cross the gateway: requests, completions, usage records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["system", "user", "assistant"]
TaskKind = Literal["extract", "validate", "summarize", "judge"]


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: Role
    content: str


@dataclass(frozen=True)
class CompletionRequest:
    """What an agent asks of a model; `json_schema` (a JSON string) constrains the answer."""

    messages: tuple[Message, ...]
    task: TaskKind
    max_tokens: int = 256
    json_schema: str | None = None
    stop: tuple[str, ...] = ()
    document_id: str | None = None
    prompt_version: str = ""
    escalation: str | None = None  # why this call goes above its task's tier, if it does


@dataclass(frozen=True)
class Completion:
    """A model's answer with what it cost."""

    text: str
    model: str
    tier: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    finish_reason: str = "stop"
    cache_hit: bool = False
    retries: int = 0
    fallback_from: tuple[str, ...] = ()  # tiers that failed before this one answered


@dataclass(frozen=True)
class UsageRecord:
    """One metered call, as it goes into the report's `usage` (and later the ledger)."""

    task: TaskKind
    tier: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    cost_usd: float | None
    cache_hit: bool = False
    document_id: str | None = None
    outcome: str = "ok"  # ok, error, breaker_open, budget
    escalation: str | None = None
    retries: int = 0
    error: str | None = None
