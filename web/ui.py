"""The lawyer-facing web UI: sign-in, upload, documents, and each review beside its pages.

Server-rendered (Jinja2) with htmx for live rows, both shipped in this package (no CDN). The
browser talks to the same JSON API as every client, authenticated by the session cookie.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from app.api.resources import Resources
from app.api.session import UI_HEADER, session_workspace, sign_in, sign_out
from app.documents.queries import (
    DocumentFilter,
    batch_summaries,
    get_document,
    list_documents,
    reports_of,
)
from app.documents.status import FINAL, IN_FLIGHT, Status
from app.errors import AuthenticationError, LexcrewError
from app.evaluation.drift import DriftMonitor
from app.feedback.queue import pending
from app.feedback.service import latest
from app.gateway.breakeven import render_chart
from app.gateway.ledger import Ledger
from app.gateway.spend import by_day_and_tier, contract_profile, cost_inputs
from app.observability.trace_store import load_tree
from app.review.report import Report
from app.storage.models import Batch, Document, ModelCall, Workspace
from web.render import page_views

router = APIRouter(prefix="/ui", include_in_schema=False)
templates = Jinja2Templates(directory=str(resources.files("web").joinpath("templates")))
STATUSES = [s.value for s in Status]


def _resources(request: Request) -> Resources:
    found: Resources = request.app.state.resources
    return found


def _workspace(request: Request) -> Workspace | None:
    try:
        return session_workspace(request, _resources(request).workspaces)
    except AuthenticationError:
        return None


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("ui_header", UI_HEADER)
    if context.get("workspace") is not None:
        context["drift"] = _drift_alert(request)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _drift_alert(request: Request) -> dict[str, Any] | None:
    """The latest drift replay, when it raised an alert: every signed-in page shows it."""
    res = _resources(request)
    monitor = DriftMonitor(res.sessions, res.settings.drift.max_drop)
    alert = monitor.latest_alert()
    if alert is None:
        return None
    run = alert.run
    fell = {k: v for k, v in json.loads(run.drops).items() if v > res.settings.drift.max_drop}
    return {
        "when": run.created_at,
        "drops": fell,
        "sample": run.sample,
        "models_changed": alert.model_change,
    }


def _to_login() -> RedirectResponse:
    return RedirectResponse("/ui/login", status_code=303)


class _SignInNeeded(Exception):
    """Raised by the SignedIn dependency; `mount` answers it with the sign-in page."""


def _signed_in(request: Request) -> Workspace:
    workspace = _workspace(request)
    if workspace is None:
        raise _SignInNeeded
    return workspace


SignedIn = Annotated[Workspace, Depends(_signed_in)]


def _sign_in_needed(request: Request, _exc: Exception) -> Response:
    # htmx would paste a followed redirect into the table it refreshes: say 401 instead.
    return Response(status_code=401) if request.headers.get("HX-Request") else _to_login()


@router.get("")
def home() -> RedirectResponse:
    return RedirectResponse("/ui/documents", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "ui/login.html", error=None)


@router.post("/login", response_model=None)
def login(request: Request, key: Annotated[str, Form()]) -> Response:
    try:
        sign_in(request, _resources(request).workspaces, key)
    except AuthenticationError as exc:
        return _page(request, "ui/login.html", status_code=401, error=exc.reason)
    return RedirectResponse("/ui/documents", status_code=303)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    sign_out(request)
    return _to_login()


def _rows(request: Request, workspace: Workspace, status: str | None, q: str | None) -> Any:
    """The rows and what the template needs to refresh them (only while work is in flight)."""
    where = DocumentFilter(status=status or None, filename=q or None, limit=200)
    with _resources(request).sessions() as session:
        docs, _total = list_documents(session, workspace.id, where)
        bodies = reports_of(session, workspace.id, [d.id for d in docs if d.status in FINAL])
    return {
        "rows": [_row(d, bodies.get(d.id)) for d in docs],
        "busy": any(d.status in IN_FLIGHT for d in docs),
        "status": status or "",
        "q": q or "",
    }


def _row(doc: Document, body: dict[str, object] | None) -> dict[str, Any]:
    risks: Counter[str] = Counter()
    findings = 0
    if body is not None:
        clauses = body.get("clauses")
        if isinstance(clauses, list):
            findings = len(clauses)
            risks.update(str(c.get("risk", {}).get("severity")) for c in clauses)
    return {
        "doc": doc,
        "findings": findings if body is not None else None,
        "high": risks.get("high", 0),
        "medium": risks.get("medium", 0),
        "percent": round(doc.progress * 100),
    }


@router.get("/documents", response_class=HTMLResponse, response_model=None)
def documents(
    request: Request, workspace: SignedIn, status: str | None = None, q: str | None = None
) -> Response:
    return _page(
        request, "ui/documents.html", workspace=workspace, statuses=STATUSES,
        **_rows(request, workspace, status, q),
    )  # fmt: skip


@router.get("/documents/rows", response_class=HTMLResponse, response_model=None)
def document_rows(
    request: Request, workspace: SignedIn, status: str | None = None, q: str | None = None
) -> Response:
    return _page(request, "ui/_rows.html", **_rows(request, workspace, status, q))


def _document(request: Request, workspace: Workspace, document_id: str) -> Any:
    """The document and its report (None until there is one), or an error page."""
    try:
        with _resources(request).sessions() as session:
            doc = get_document(session, workspace.id, document_id)
            body = reports_of(session, workspace.id, [document_id]).get(document_id)
    except LexcrewError as exc:
        return _page(request, "ui/error.html", status_code=exc.status_code, message=exc.reason)
    return doc, Report.model_validate(body) if body is not None else None


@router.get("/documents/{document_id}", response_class=HTMLResponse, response_model=None)
def review(request: Request, workspace: SignedIn, document_id: str) -> Response:
    found = _document(request, workspace, document_id)
    if isinstance(found, Response):
        return found
    doc, report = found
    if report is None:
        return _page(request, "ui/waiting.html", workspace=workspace, doc=doc)
    res = _resources(request)
    text = res.files.load_text(workspace.id, document_id)
    pages = page_views(report, text.text, [(p.start, p.end) for p in text.pages]) if text else []
    categories: dict[str, list[Any]] = {}
    for clause in report.clauses:
        categories.setdefault(clause.category, []).append(clause)
    with res.sessions() as session:
        verdicts = latest(session, workspace.id, document_id)
    return _page(
        request, "ui/review.html", workspace=workspace, doc=doc, report=report, pages=pages,
        categories=categories, verdicts=verdicts, text=text.text if text else "",
    )  # fmt: skip


AGENT_OF_TASK = {
    "extract": "extractor",
    "validate": "validator",
    "summarize": "summarizer",
    "judge": "judge",
}


@router.get("/documents/{document_id}/trace", response_class=HTMLResponse, response_model=None)
def trace(request: Request, workspace: SignedIn, document_id: str) -> Response:
    """The review's trace: review -> ingest -> crew -> agent -> task -> model call, from the
    local trace store (the tree LangSmith gets), with the ledger's calls as a fallback."""
    found = _document(request, workspace, document_id)
    if isinstance(found, Response):
        return found
    doc, report = found
    sessions = _resources(request).sessions
    spans = load_tree(sessions, workspace.id, report.trace.id) if report is not None else []
    query = select(ModelCall).where(
        ModelCall.workspace_id == workspace.id, ModelCall.document_id == doc.id
    )
    if report is not None:
        query = query.where(ModelCall.trace_id == report.trace.id)
    with sessions() as session:
        calls = session.scalars(query.order_by(ModelCall.id)).all()
    agents: dict[str, list[ModelCall]] = {}
    for call in calls:
        name = AGENT_OF_TASK.get(call.task, call.task)
        if call.escalation_reason:
            name += " (escalated)"
        agents.setdefault(name, []).append(call)
    return _page(
        request, "ui/trace.html", workspace=workspace, doc=doc, report=report, agents=agents,
        calls=calls, spans=spans,
    )  # fmt: skip


@router.get("/queue", response_class=HTMLResponse, response_model=None)
def queue(request: Request, workspace: SignedIn, skip: int = 0) -> Response:
    """One finding at a time from the review queue; keyboard: a, r, c, s."""
    res = _resources(request)
    extraction = res.settings.extraction
    with res.sessions() as session:
        items = pending(
            session, workspace.id, extraction.low_confidence, extraction.human_sample_rate
        )
    skip = max(0, min(skip, max(len(items) - 1, 0)))
    item = items[skip] if items else None
    return _page(
        request, "ui/queue.html", workspace=workspace, item=item, position=skip,
        total=len(items),
    )  # fmt: skip


@router.get("/batches", response_class=HTMLResponse, response_model=None)
def batches(request: Request, workspace: SignedIn) -> Response:
    """Every batch of the workspace with its progress and counts per status."""
    with _resources(request).sessions() as session:
        found = session.scalars(
            select(Batch)
            .where(Batch.workspace_id == workspace.id)
            .order_by(Batch.created_at.desc())
            .limit(100)
        ).all()
        progress = batch_summaries(session, workspace.id, [b.id for b in found])
        views = [(b, progress[b.id]) for b in found]
    return _page(request, "ui/batches.html", workspace=workspace, batches=views)


@router.get("/costs", response_class=HTMLResponse, response_model=None)
def costs(request: Request, workspace: SignedIn, days: int = 30) -> Response:
    """Spend by tier and day, cache and escalation rates, and the break-even chart."""
    since = datetime.now(UTC) - timedelta(days=days)
    calls = Ledger(_resources(request).sessions).calls(workspace.id, since)
    rows = by_day_and_tier(calls)
    profile = contract_profile(calls)
    chart = None
    if profile.documents:
        volume = max(100.0, profile.documents * 30 / days)
        chart = render_chart(cost_inputs(profile, volume))
    served = sum(r.calls for r in rows)
    hits = sum(r.cache_hits for r in rows)
    return _page(
        request, "ui/costs.html", workspace=workspace, rows=rows, days=days, profile=profile,
        chart=chart, hit_rate=hits / (served + hits) if served + hits else 0.0,
        escalation_rate=sum(r.escalated for r in rows) / served if served else 0.0,
        known_cost=sum(r.cost_usd or 0.0 for r in rows),
        unknown=any(r.cost_usd is None for r in rows),
    )  # fmt: skip


def mount(app: FastAPI) -> None:
    """Entry point `lexcrew.web:ui`: add the UI's pages and its static files to the API."""
    app.include_router(router)
    app.add_exception_handler(_SignInNeeded, _sign_in_needed)
    static = resources.files("web").joinpath("static")
    app.mount("/ui/static", StaticFiles(directory=str(static)), name="ui-static")
