"""The LangSmith adapter: the only module that imports the `langsmith` SDK.

Spans are queued to the SDK's background thread (`create_run` with the finished run), so a
slow, hanging or unreachable endpoint costs a review nothing. The SDK's threads are daemons
(`LANGSMITH_USE_DAEMON`, set with the rest of the offline environment by
`app.offline.apply_offline_environment` before any client exists) and `close` bounds the last
flush, so it cannot hold a process at exit.
"""

from __future__ import annotations

import uuid

from langsmith import Client

from app.config import TracingSettings
from app.observability.tracing import Span


def _uuid(hex_id: str | None) -> uuid.UUID | None:
    return uuid.UUID(hex_id) if hex_id else None


class LangSmithSink:
    """Sends finished spans to a LangSmith endpoint (LangSmith itself or a compatible one)."""

    def __init__(self, settings: TracingSettings) -> None:
        if not settings.langsmith_endpoint:
            raise ValueError("LangSmith needs an endpoint")
        key = settings.langsmith_api_key
        self.project = settings.project
        self.client = Client(
            api_url=settings.langsmith_endpoint,
            api_key=key.get_secret_value() if key else "unset",
            timeout_ms=(
                int(settings.connect_timeout_s * 1000),
                int(settings.read_timeout_s * 1000),
            ),
            auto_batch_tracing=True,
        )

    def record(self, span: Span) -> None:
        """Queue the finished run; the SDK's thread sends it in a batch."""
        self.client.create_run(
            name=span.name,
            inputs=span.inputs,
            run_type=span.run_type,
            project_name=self.project,
            id=_uuid(span.id),
            trace_id=_uuid(span.trace_id),
            parent_run_id=_uuid(span.parent_id),
            dotted_order=span.dotted_order,
            start_time=span.start,
            end_time=span.end,
            outputs=span.outputs,
            error=span.error,
            extra={"metadata": span.attributes},
        )

    def close(self, timeout_s: float) -> None:
        """Send what is queued for at most `timeout_s`, then stop the SDK's threads."""
        self.client.close(timeout=timeout_s)
