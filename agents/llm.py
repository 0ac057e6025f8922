"""A crewai.BaseLLM whose every call goes through lexcrew's model gateway."""

from __future__ import annotations

import json
from typing import Any

from crewai import BaseLLM
from pydantic import BaseModel, ConfigDict, PrivateAttr

from app.gateway.protocol import ChatModel
from app.gateway.types import CompletionRequest, Message, Role, TaskKind
from app.observability import metrics, tracing

_ROLES: dict[str, Role] = {"system": "system", "user": "user", "assistant": "assistant"}


def to_messages(messages: str | list[Any]) -> tuple[Message, ...]:
    """Turn CrewAI's messages (a string or role/content dicts) into gateway messages."""
    if isinstance(messages, str):
        return (Message(role="user", content=messages),)
    return tuple(
        Message(role=_ROLES.get(str(m.get("role")), "user"), content=str(m.get("content") or ""))
        for m in messages
    )


class GatewayLLM(BaseLLM):
    """One per agent: knows its task kind so the gateway can route, meter and budget it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    task_kind: TaskKind = "extract"
    document_id: str | None = None
    context_window: int = 4096
    answer_tokens: int = 256
    prompt_version: str = ""
    escalation: str | None = None
    agent_key: str = ""
    _gateway: ChatModel = PrivateAttr()
    _trace_parent: tracing.Span | None = PrivateAttr(default=None)
    _agent_span: tracing.Span | None = PrivateAttr(default=None)
    _last_task: tracing.Span | None = PrivateAttr(default=None)

    def __init__(self, gateway: ChatModel, **data: Any) -> None:
        super().__init__(model=gateway.name, provider="lexcrew", **data)
        self._gateway = gateway
        # The crew's span: CrewAI may call from another thread, where it is not current.
        self._trace_parent = tracing.current()

    def _agent(self) -> tracing.Span | None:
        """The agent's span, opened at its first call and ended by `end_trace`."""
        if self._agent_span is None and self._trace_parent is not None:
            self._agent_span = self._trace_parent.child(f"agent: {self.agent_key}", "chain")
        return self._agent_span

    def end_trace(self) -> None:
        """End the agent's span (after the crew's last task)."""
        if self._agent_span is not None:
            # The agent worked until its last task ended, not until the crew did.
            self._agent_span.end = self._last_task.end if self._last_task else None
            tracing.finish(self._agent_span)
            self._agent_span = None

    def call(
        self,
        messages: str | list[Any],
        tools: list[dict[str, Any]] | None = None,
        callbacks: list[Any] | None = None,
        available_functions: dict[str, Any] | None = None,
        from_task: Any | None = None,
        from_agent: Any | None = None,
        response_model: type[BaseModel] | None = None,
    ) -> str:
        """Send the agent's messages through the gateway; constrain to the answer schema."""
        schema = response_model.model_json_schema() if response_model else None
        request = CompletionRequest(
            messages=to_messages(messages),
            task=self.task_kind,
            max_tokens=self.answer_tokens,
            json_schema=json.dumps(schema) if schema else None,
            document_id=self.document_id,
            prompt_version=self.prompt_version,
            escalation=self.escalation,
        )
        task = str(getattr(from_task, "name", None) or self.task_kind)
        with (
            metrics.timed(self.agent_key or self.task_kind),
            tracing.span(f"task: {task}", parent=self._agent()) as step,
        ):
            if step is not None:
                self._last_task = step
                step.attributes.update(
                    {"prompt_version": self.prompt_version, "escalation": self.escalation}
                )
            return self._gateway.complete(request).text

    def supports_function_calling(self) -> bool:
        return False

    def supports_stop_words(self) -> bool:
        return False

    def get_context_window_size(self) -> int:
        return self.context_window
