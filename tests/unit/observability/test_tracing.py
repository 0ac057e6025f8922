from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.errors import BadDocumentError
from app.observability import tracing


class Recorder:
    def __init__(self) -> None:
        self.spans: list[tracing.Span] = []
        self.closed: list[float] = []

    def record(self, span: tracing.Span) -> None:
        self.spans.append(span)

    def close(self, timeout_s: float) -> None:
        self.closed.append(timeout_s)


class Broken:
    def record(self, span: tracing.Span) -> None:
        raise ConnectionError("the sink is down")

    def close(self, timeout_s: float) -> None:
        raise ConnectionError("the sink is down")


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    sink = Recorder()
    tracing.configure([Broken(), sink])  # a broken sink never stops the others
    yield sink
    tracing.configure([])


def test_spans_nest_under_the_current_one_and_share_the_trace(recorder: Recorder) -> None:
    root = tracing.root_span("review", "ws1", "doc1", content_allowed=False)
    with tracing.trace(root):
        with (
            tracing.span("crew"),
            tracing.span("task: extract"),
            tracing.span("self_hosted: extract", "llm") as call,
        ):
            assert call is not None and tracing.current() is call
        with tracing.span("candidates"):
            pass
    names = [s.name for s in recorder.spans]
    assert names == ["self_hosted: extract", "task: extract", "crew", "candidates", "review"]
    by_name = {s.name: s for s in recorder.spans}
    assert by_name["self_hosted: extract"].parent_id == by_name["task: extract"].id
    assert by_name["task: extract"].parent_id == by_name["crew"].id
    assert by_name["crew"].parent_id == root.id and root.parent_id is None
    assert {s.trace_id for s in recorder.spans} == {root.id}
    assert {s.document_id for s in recorder.spans} == {"doc1"}
    # LangSmith's dotted order: one part per ancestor, each after its parent's.
    call_order = by_name["self_hosted: extract"].dotted_order
    assert call_order.startswith(by_name["task: extract"].dotted_order + ".")
    assert call_order.count(".") == 3
    assert all(s.end is not None and s.end >= s.start for s in recorder.spans)
    assert tracing.current() is None


def test_outside_a_trace_nothing_is_recorded(recorder: Recorder) -> None:
    with tracing.span("crew") as step:
        assert step is None
    assert recorder.spans == []


def test_contract_text_is_withheld_unless_the_workspace_allows_it(recorder: Recorder) -> None:
    text = "The Supplier shall indemnify Acme Corp."
    private = tracing.root_span("review", "ws1", "doc1", content_allowed=False)
    shared = tracing.root_span("review", "ws2", "doc2", content_allowed=True)
    assert private.child("x", "llm").content(text) == f"[withheld: {len(text)} characters]"
    assert shared.child("x", "llm").content(text) == text


def test_an_error_is_kept_by_type_and_reason_never_by_message(recorder: Recorder) -> None:
    root = tracing.root_span("review", "ws1", "doc1", content_allowed=False)
    with pytest.raises(BadDocumentError), tracing.trace(root), tracing.span("ingest"):
        raise BadDocumentError("the file is not a PDF")
    with pytest.raises(ValueError), tracing.trace(root), tracing.span("crew"):
        raise ValueError("could not parse 'The Supplier shall indemnify Acme Corp.'")
    errors = {s.name: s.error for s in recorder.spans}
    assert errors["ingest"] == "BadDocumentError: the file is not a PDF"
    assert errors["crew"] == "ValueError"  # the message quoted contract text


def test_a_stored_document_has_one_trace_id_in_every_process() -> None:
    created = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    first = tracing.document_trace_id("ws1", "doc1", created)
    assert first == tracing.document_trace_id("ws1", "doc1", created)
    assert first != tracing.document_trace_id("ws2", "doc1", created)
    assert len(first) == 32 and int(first, 16) >= 0


def test_close_reaches_every_sink_and_survives_a_broken_one(recorder: Recorder) -> None:
    tracing.close(1.5)
    assert recorder.closed == [1.5]
