"""Report schema v1: what the CLI, the API and every export return (DESIGN.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The usage section is defined where calls are metered; it is part of the report schema.
from app.gateway.usage import TierUsage as TierUsage
from app.gateway.usage import Usage as Usage

SCHEMA_VERSION: Literal["1"] = "1"
Severity = Literal["high", "medium", "low"]
Status = Literal["completed", "failed", "budget_exceeded", "delayed"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentInfo(_Frozen):
    id: str
    filename: str
    sha256: str
    pages: int


class Risk(_Frozen):
    severity: Severity
    reason: str


class ClauseFinding(_Frozen):
    id: str
    category: str
    text: str
    page: int
    start: int
    end: int
    normalized: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    tier: str
    escalated: bool = False
    checks: dict[str, bool | str]
    risk: Risk


class PossibleClause(_Frozen):
    """A candidate under the reporting threshold: not a finding, shown apart for reviewers."""

    category: str
    text: str
    page: int
    start: int
    end: int
    confidence: float = Field(ge=0.0, le=1.0)


class Summary(_Frozen):
    key_terms: dict[str, str]
    memo: str


class Timing(_Frozen):
    ingest_s: float
    review_s: float
    total_s: float


class TraceInfo(_Frozen):
    id: str
    url: str | None = None


class InjectionFlag(_Frozen):
    """A passage left out of the review: it reads as instructions to an AI, or the PDF hides
    it from readers. `start`/`end` index the document text."""

    kind: Literal["instruction", "hidden_text"]
    rule: str
    page: int
    start: int
    end: int


class ModelVersions(_Frozen):
    """The trained models that found the clauses, by the versions `lexcrew train-models` gives
    them (the model calls' tiers, models and adapters are in the cost ledger)."""

    clause_model: str
    phrase_model: str
    encoder: str | None = None  # the unit encoder stacked in the clause model, if any


class Report(_Frozen):
    schema_version: Literal["1"] = SCHEMA_VERSION
    document: DocumentInfo
    status: Status
    clauses: list[ClauseFinding]
    missing: list[str]
    possible: list[PossibleClause] = Field(default_factory=list)
    summary: Summary
    usage: Usage
    timing: Timing
    trace: TraceInfo
    injections: list[InjectionFlag] = Field(default_factory=list)
    models: ModelVersions | None = None  # None in reports written before versions were kept
