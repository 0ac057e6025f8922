"""Process logging: text for a terminal, or one JSON object per line with the ids of the
running review, and never contract text.

Our own log lines carry ids and counts only. Exception messages can quote their input (a
parse error, a validation error), so JSON logs keep an exception's type and stack, not its
message; the vendor loggers that log request bodies at DEBUG are held at WARNING.
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from pythonjsonlogger.json import JsonFormatter

from app.config import LogSettings
from app.observability import tracing

# Loggers that print prompts or request bodies below WARNING.
_QUIET = (
    "openai", "anthropic", "httpx", "httpcore", "urllib3", "langsmith", "llama_cpp",
    "sqlalchemy",  # statement parameters: report bodies, span inputs
    "multipart", "python_multipart",  # form parsing: uploaded bytes
)  # fmt: skip
# Chatty ones: CrewAI warns on every call that our LLM has no token counter (the gateway
# meters); the server-less queue has no host and kombu says so on every connection.
_NOISY = {"crewai": logging.ERROR, "kombu.connection": logging.ERROR, "pypdf": logging.ERROR}


_bound: ContextVar[dict[str, str]] = ContextVar("lexcrew_log_ids", default={})  # noqa: B039
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def bound(**ids: str) -> Iterator[None]:
    """Add these ids to every record logged inside the block (this thread or task)."""
    token = _bound.set({**_bound.get(), **ids})
    try:
        yield
    finally:
        _bound.reset(token)


def with_document_ids(method: Callable[P, R]) -> Callable[P, R]:
    """Bind `workspace_id` and `document_id` (a method's first two arguments) to its logs."""

    @functools.wraps(method)
    def logged(*args: P.args, **kwargs: P.kwargs) -> R:
        workspace_id, document_id = str(args[1]), str(args[2])
        with bound(workspace_id=workspace_id, document_id=document_id):
            return method(*args, **kwargs)

    return logged


class TraceIds(logging.Filter):
    """Stamp each record with the ids of the review it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _bound.get().items():
            setattr(record, key, value)
        span = tracing.current()
        if span is not None:
            record.workspace_id = span.workspace_id
            record.document_id = span.document_id
            record.trace_id = span.trace_id
        return True


class SafeJsonFormatter(JsonFormatter):
    """JSON lines whose exceptions keep type and stack but not the message."""

    def formatException(self, ei: Any) -> str:
        exc_type, _value, tb = ei
        stack = "".join(traceback.format_tb(tb)) if tb is not None else ""
        return f"{stack}{exc_type.__name__} (message withheld)"


def configure(settings: LogSettings) -> None:
    """Set the root logger's one handler, format and level (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TraceIds())
    if settings.format == "json":
        handler.setFormatter(
            SafeJsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(settings.level)))
    for name, level in _NOISY.items():
        logging.getLogger(name).setLevel(level)
