"""Render chat messages for a base model that has no chat template (plain completion)."""

from __future__ import annotations

from app.gateway.types import Message

ANSWER_CUE = "\n\nAnswer (JSON):\n"


def to_completion_prompt(messages: tuple[Message, ...]) -> str:
    """Join messages as plain text and end with a cue for the answer."""
    parts = []
    for message in messages:
        if message.role == "assistant":
            parts.append(f"Answer (JSON):\n{message.content}")
        else:
            parts.append(message.content.strip())
    return "\n\n".join(parts) + ANSWER_CUE
