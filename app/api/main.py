"""The FastAPI application: resources in the lifespan, one handler for expected errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.metadata import entry_points

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.middleware.sessions import SessionMiddleware

from app.api import batches, documents, feedback, health
from app.api.metrics import ApiMetrics
from app.api.resources import Resources
from app.api.session import session_secret
from app.config import Settings
from app.errors import LexcrewError
from app.offline import apply_offline_environment
from app.production import require_fit

log = logging.getLogger("lexcrew.api")
WEB_GROUP = "lexcrew.web"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API; resources are created when it starts, not at import."""
    settings = settings or Settings()
    require_fit(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        apply_offline_environment(settings)
        resources = Resources.build(settings)
        app.state.resources = resources
        app.state.metrics = ApiMetrics(resources.sessions)
        log.info("api.started")
        try:
            yield
        finally:
            resources.close()

    # Swagger UI from the package's own files: the machine may have no internet.
    app = FastAPIOffline(
        title="lexcrew",
        version="1",
        summary="Contract review: upload PDFs, get verified findings, key terms and a memo.",
        lifespan=lifespan,
    )

    @app.exception_handler(LexcrewError)
    async def expected_error(_request: Request, exc: LexcrewError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse({"detail": exc.reason}, status_code=exc.status_code, headers=headers)

    @app.middleware("http")
    async def metered(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        metrics: ApiMetrics | None = getattr(request.app.state, "metrics", None)
        if metrics is None:
            return await call_next(request)
        return await metrics.middleware(request, call_next)

    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie="lexcrew_session",
        max_age=int(settings.api.session_hours * 3600),
        same_site="strict",
        https_only=settings.api.secure_cookies,
    )
    app.include_router(documents.router)
    app.include_router(batches.router)
    app.include_router(feedback.router)
    app.include_router(health.router)
    for extension in entry_points(group=WEB_GROUP):
        extension.load()(app)  # the web UI (web/), found by entry point: app never imports it
    return app
