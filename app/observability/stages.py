"""A pipeline stage: timed into `lexcrew_stage_seconds` and traced as a span."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.observability import metrics, tracing


@contextmanager
def stage(name: str, run_type: tracing.RunType = "chain") -> Iterator[tracing.Span | None]:
    """Time and trace the block as stage `name` (the span is None outside a trace)."""
    with metrics.timed(name), tracing.span(name, run_type) as step:
        yield step
