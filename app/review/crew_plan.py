"""What the review crew is asked to do, and what it answers: the contract between app and agents.

`app` builds a CrewPlan (agents, tasks with rendered prompts and answer schemas); a Reviewer
(the CrewAI crew in `agents/`, found through the `lexcrew.reviewers` entry point) runs it with a
gateway model and returns the parsed answers. Every answer is checked again by `app`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from app.gateway.protocol import ChatModel
from app.gateway.types import TaskKind


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ValueItem(_Answer):
    id: str = Field(max_length=6)
    value: str = Field(max_length=120)


class NormalizationAnswer(_Answer):
    """The extractor's answer: a normalised value per clause id."""

    values: list[ValueItem] = Field(max_length=12)


class Verdict(_Answer):
    id: str = Field(max_length=6)
    verdict: Literal["yes", "no"]


class VerdictAnswer(_Answer):
    """The validator's answer: does each clause belong to its category."""

    verdicts: list[Verdict] = Field(max_length=12)


class JudgeChoice(_Answer):
    id: str = Field(max_length=6)
    choice: Literal["A", "B"]


class JudgeAnswer(_Answer):
    """The judge's answer: which of the two statements about each finding is true."""

    choices: list[JudgeChoice] = Field(max_length=12)


class MemoAnswer(_Answer):
    """The summarizer's answer: a short overview."""

    overview: str = Field(max_length=400)


@dataclass(frozen=True)
class AgentSpec:
    key: str
    role: str
    goal: str
    backstory: str


@dataclass(frozen=True)
class TaskSpec:
    agent: str
    kind: TaskKind
    description: str
    expected_output: str
    answer_model: type[_Answer]
    prompt_version: str
    escalation: str | None = None  # set when these clauses go above the task's tier


@dataclass(frozen=True)
class CrewPlan:
    document_id: str
    agents: tuple[AgentSpec, ...]
    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class CrewOutputs:
    """Parsed answers by task kind; a task whose answer did not parse maps to its error."""

    answers: dict[str, _Answer] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class Reviewer(Protocol):
    """Runs a crew plan; every model call goes through `model` (the gateway)."""

    def run(self, plan: CrewPlan, model: ChatModel) -> CrewOutputs: ...


@cache
def agent_specs() -> tuple[AgentSpec, ...]:
    """Return the crew's agents as configured in prompts/agents.toml."""
    source = resources.files("prompts").joinpath("agents.toml").read_text(encoding="utf-8")
    table = tomllib.loads(source)
    return tuple(
        AgentSpec(key=key, role=v["role"], goal=v["goal"], backstory=v["backstory"])
        for key, v in table.items()
    )
