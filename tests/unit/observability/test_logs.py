from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app.config import LogSettings
from app.observability import logs, tracing


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    logs.configure(LogSettings(format="json", level="DEBUG"))
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_json_lines_carry_the_ids_of_the_running_review(captured: io.StringIO) -> None:
    root = tracing.root_span("review", "ws1", "doc1", content_allowed=False)
    with tracing.active(root):
        logging.getLogger("lexcrew.documents").info("documents.ingested document_id=%s", "doc1")
    logging.getLogger("lexcrew.api").warning("api.started")
    first, second = (json.loads(line) for line in captured.getvalue().splitlines())
    assert first["level"] == "INFO" and first["logger"] == "lexcrew.documents"
    assert first["message"] == "documents.ingested document_id=doc1"
    assert (first["workspace_id"], first["document_id"], first["trace_id"]) == (
        "ws1",
        "doc1",
        root.trace_id,
    )
    assert "time" in first and "trace_id" not in second


def test_an_exception_keeps_its_type_and_stack_but_not_its_message(
    captured: io.StringIO,
) -> None:
    clause = "The Supplier shall indemnify Acme Corp."  # the stack shows code, not values
    try:
        raise ValueError(f"could not parse {clause!r}")
    except ValueError:
        logging.getLogger("lexcrew.worker").exception("worker.task_failed")
    line = json.loads(captured.getvalue())
    assert "ValueError (message withheld)" in line["exc_info"]
    assert "test_logs.py" in line["exc_info"]
    assert "indemnify Acme" not in captured.getvalue()


def test_vendor_loggers_that_print_request_bodies_stay_quiet(captured: io.StringIO) -> None:
    logging.getLogger("openai").debug("Request options: {'json_data': {'prompt': 'contract'}}")
    logging.getLogger("httpx").info("HTTP Request: POST http://model/v1/completions")
    assert captured.getvalue() == ""
