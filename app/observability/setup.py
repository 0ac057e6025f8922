"""Where a process's spans go: the local store always (unless turned off), LangSmith when
configured. Set once per process by whatever builds the review service."""

from __future__ import annotations

import atexit
from functools import partial

from app.config import TracingSettings
from app.observability import tracing
from app.observability.trace_store import LocalTraceStore
from app.storage.db import SessionFactory

_registered: list[bool] = []


def start_tracing(settings: TracingSettings, sessions: SessionFactory) -> None:
    """Configure the sinks; at exit, at most `exit_flush_s` is spent sending what is queued."""
    sinks: list[tracing.SpanSink] = []
    if settings.local:
        sinks.append(LocalTraceStore(sessions))
    if settings.langsmith_endpoint:
        from app.observability.langsmith_sink import LangSmithSink

        sinks.append(LangSmithSink(settings))
    tracing.configure(sinks)
    if not _registered:
        atexit.register(partial(tracing.close, settings.exit_flush_s))
        _registered.append(True)
