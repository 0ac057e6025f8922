"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app.api.deps import ResourcesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Answer while the process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "The database is not reachable."}})
def readyz(resources: ResourcesDep) -> JSONResponse:
    """Answer 200 when the database answers (uploads are durable from then on)."""
    try:
        with resources.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure: not ready
        return JSONResponse(
            {"status": "unavailable", "detail": f"database: {type(exc).__name__}"},
            status_code=503,
        )
    return JSONResponse({"status": "ready"})


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text format."""
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
