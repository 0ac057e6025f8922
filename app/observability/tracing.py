"""Review traces: one tree per review, review -> ingest -> crew -> agent -> task -> model call.

A span is recorded when it ends, to every sink: the local trace store (the UI's trace page)
and, when configured, LangSmith. Sinks never raise into the review and never block it: the
LangSmith sink only queues. The current span lives in a context variable, so the gateway
nests its calls under whatever task is running without being handed the span.

Contract text (prompts, answers, clause text) enters a span only through `content()`, which
withholds it unless the trace's workspace allows it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

log = logging.getLogger("lexcrew.tracing")

RunType = Literal["chain", "llm", "tool", "retriever", "parser"]
_TRACE_NAMESPACE = uuid.UUID("6f1d3a52-9b7e-4c1a-8a43-2f0e5c9d7b11")


def _now() -> datetime:
    return datetime.now(UTC)


def _order_part(start: datetime, span_id: str) -> str:
    # LangSmith's dotted order: start time then the run id, one part per ancestor.
    return f"{start.astimezone(UTC):%Y%m%dT%H%M%S%f}Z{uuid.UUID(span_id)}"


@dataclass
class Span:
    """One timed step of a trace; ids are 32 hex digits (UUIDs without dashes)."""

    id: str
    trace_id: str
    parent_id: str | None
    dotted_order: str
    name: str
    run_type: RunType
    workspace_id: str
    document_id: str | None
    content_allowed: bool
    start: datetime = field(default_factory=_now)
    end: datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def child(self, name: str, run_type: RunType, start: datetime | None = None) -> Span:
        """A new span under this one, in the same trace and workspace."""
        span_id = uuid.uuid4().hex
        begun = start or _now()
        return Span(
            id=span_id,
            trace_id=self.trace_id,
            parent_id=self.id,
            dotted_order=f"{self.dotted_order}.{_order_part(begun, span_id)}",
            name=name,
            run_type=run_type,
            workspace_id=self.workspace_id,
            document_id=self.document_id,
            content_allowed=self.content_allowed,
            start=begun,
        )

    def content(self, text: str) -> str:
        """Contract text if this workspace allows it in traces, else a note of its length."""
        return text if self.content_allowed else f"[withheld: {len(text)} characters]"

    @property
    def seconds(self) -> float:
        return ((self.end or _now()) - self.start).total_seconds()


def root_span(
    name: str,
    workspace_id: str,
    document_id: str | None,
    content_allowed: bool,
    start: datetime | None = None,
    trace_id: str | None = None,
) -> Span:
    """The root of a trace; its id is the trace id."""
    tid = trace_id or uuid.uuid4().hex
    begun = start or _now()
    return Span(
        id=tid,
        trace_id=tid,
        parent_id=None,
        dotted_order=_order_part(begun, tid),
        name=name,
        run_type="chain",
        workspace_id=workspace_id,
        document_id=document_id,
        content_allowed=content_allowed,
        start=begun,
    )


def document_trace_id(workspace_id: str, document_id: str, created_at: datetime) -> str:
    """The one trace id of a stored document's review, the same in every worker process."""
    key = f"{workspace_id}/{document_id}/{created_at.astimezone(UTC).isoformat()}"
    return uuid.uuid5(_TRACE_NAMESPACE, key).hex


class SpanSink(Protocol):
    """Where finished spans go."""

    def record(self, span: Span) -> None: ...

    def close(self, timeout_s: float) -> None: ...


_current: ContextVar[Span | None] = ContextVar("lexcrew_span", default=None)
_sinks: list[SpanSink] = []


def configure(sinks: list[SpanSink]) -> None:
    """Set the process's sinks (replacing earlier ones, which are closed)."""
    close(0.0)
    _sinks[:] = sinks


def close(timeout_s: float) -> None:
    """Hand over what is queued, waiting at most `timeout_s` per sink."""
    for sink in list(_sinks):
        try:
            sink.close(timeout_s)
        except Exception:  # a sink that fails to close must not fail shutdown
            log.warning("tracing.sink_close_failed sink=%s", type(sink).__name__)
    _sinks.clear()


def current() -> Span | None:
    """The span the running code is inside, if a trace is active."""
    return _current.get()


def finish(span: Span, error: str | None = None) -> None:
    """End a span and record it in every sink; a failing sink is logged, never raised."""
    span.end = span.end or _now()
    if error is not None:
        span.error = error
    for sink in _sinks:
        try:
            sink.record(span)
        except Exception:  # tracing must never break a review
            log.warning("tracing.record_failed sink=%s span=%s", type(sink).__name__, span.name)


@contextmanager
def active(span: Span) -> Iterator[Span]:
    """Make `span` the current one without ending it (a root resumed in another process)."""
    token = _current.set(span)
    try:
        yield span
    finally:
        _current.reset(token)


def _describe(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__


@contextmanager
def span(
    name: str,
    run_type: RunType = "chain",
    attributes: Mapping[str, Any] | None = None,
    parent: Span | None = None,
) -> Iterator[Span | None]:
    """A child of `parent` (default: the current span), current while the block runs.

    Outside a trace this yields None and records nothing. Exception messages are not kept
    (they can quote contract text); the exception's type and a LexcrewError's reason are.
    """
    above = parent or _current.get()
    if above is None:
        yield None
        return
    step = above.child(name, run_type)
    step.attributes.update(attributes or {})
    token = _current.set(step)
    try:
        yield step
    except BaseException as exc:
        step.error = _describe(exc)
        raise
    finally:
        _current.reset(token)
        finish(step)


@contextmanager
def trace(root: Span) -> Iterator[Span]:
    """Run the block inside `root` and record the root when it ends, failed or not."""
    with active(root):
        try:
            yield root
        except BaseException as exc:
            finish(root, _describe(exc))
            raise
    finish(root)


def ids_of(span: Span, batch_id: str | None = None) -> dict[str, Any]:
    """The ids a trace is searched by, as LangSmith metadata."""
    return {
        "workspace_id": span.workspace_id,
        "document_id": span.document_id,
        "batch_id": batch_id,
        "trace_id": span.trace_id,
    }
