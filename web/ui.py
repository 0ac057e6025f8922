"""The lawyer-facing web UI: sign-in, upload, documents, and each review beside its pages.

Server-rendered (Jinja2) with htmx for live rows, both shipped in this package (no CDN). The
browser talks to the same JSON API as every client, authenticated by the session cookie.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from app.api.resources import Resources
from app.api.session import UI_HEADER, session_workspace, sign_in, sign_out
from app.documents.queries import (
    DocumentFilter,
    batch_items,
    batch_progress,
    get_document,
    list_documents,
    reports_of,
)
from app.documents.status import Status
from app.errors import AuthenticationError, LexcrewError
from app.feedback.queue import pending
from app.feedback.service import latest
from app.gateway.breakeven import render_chart
from app.gateway.ledger import Ledger
from app.gateway.spend import by_day_and_tier, contract_profile, cost_inputs
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
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _to_login() -> RedirectResponse:
    return RedirectResponse("/ui/login", status_code=303)


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
    where = DocumentFilter(status=status or None, filename=q or None, limit=200)
    with _resources(request).sessions() as session:
        docs, total = list_documents(session, workspace.id, where)
        bodies = reports_of(session, workspace.id, [d.id for d in docs if d.status != "queued"])
    return [_row(d, bodies.get(d.id)) for d in docs], total


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
def documents(request: Request, status: str | None = None, q: str | None = None) -> Response:
    workspace = _workspace(request)
    if workspace is None:
        return _to_login()
    rows, total = _rows(request, workspace, status, q)
    return _page(
        request, "ui/documents.html", workspace=workspace, rows=rows, total=total,
        statuses=STATUSES, status=status or "", q=q or "",
    )  # fmt: skip


@router.get("/documents/rows", response_class=HTMLResponse, response_model=None)
def document_rows(request: Request, status: str | None = None, q: str | None = None) -> Response:
    workspace = _workspace(request)
    if workspace is None:
        return Response(status_code=401)
    rows, _total = _rows(request, workspace, status, q)
    return _page(request, "ui/_rows.html", rows=rows)


@router.get("/documents/{document_id}", response_class=HTMLResponse, response_model=None)
def review(request: Request, document_id: str) -> Response:
    workspace = _workspace(request)
    if workspace is None:
        return _to_login()
    res = _resources(request)
    try:
        with res.sessions() as session:
            doc = get_document(session, workspace.id, document_id)
            body = reports_of(session, workspace.id, [document_id]).get(document_id)
    except LexcrewError as exc:
        return _page(request, "ui/error.html", status_code=exc.status_code, message=exc.reason)
    if body is None:
        return _page(request, "ui/waiting.html", workspace=workspace, doc=doc)
    report = Report.model_validate(body)
    text = res.files.load_text(workspace.id, document_id)
    pages = page_views(report, text.text, [(p.start, p.end) for p in text.pages]) if text else []
    categories: dict[str, list[Any]] = {}
    for clause in report.clauses:
        categories.setdefault(clause.category, []).append(clause)
    with res.sessions() as session:
        verdicts = latest(session, workspace.id, document_id)
    return _page(
        request, "ui/review.html", workspace=workspace, doc=doc, report=report, pages=pages,
        categories=categories, verdicts=verdicts,
    )  # fmt: skip


AGENT_OF_TASK = {
    "extract": "extractor",
    "validate": "validator",
    "summarize": "summarizer",
    "judge": "judge",
}


@router.get("/documents/{document_id}/trace", response_class=HTMLResponse, response_model=None)
def trace(request: Request, document_id: str) -> Response:
    """The review's run tree: agents, their model calls, tokens, latency, cost and tier."""
    workspace = _workspace(request)
    if workspace is None:
        return _to_login()
    res = _resources(request)
    try:
        with res.sessions() as session:
            doc = get_document(session, workspace.id, document_id)
            body = reports_of(session, workspace.id, [document_id]).get(document_id)
            calls = session.scalars(
                select(ModelCall)
                .where(ModelCall.workspace_id == workspace.id, ModelCall.document_id == doc.id)
                .order_by(ModelCall.id)
            ).all()
    except LexcrewError as exc:
        return _page(request, "ui/error.html", status_code=exc.status_code, message=exc.reason)
    report = Report.model_validate(body) if body is not None else None
    trace_id = report.trace.id if report is not None else None
    mine = [c for c in calls if trace_id is None or c.trace_id == trace_id]
    agents: dict[str, list[ModelCall]] = {}
    for call in mine:
        name = AGENT_OF_TASK.get(call.task, call.task)
        if call.escalation_reason:
            name += " (escalated)"
        agents.setdefault(name, []).append(call)
    return _page(
        request, "ui/trace.html", workspace=workspace, doc=doc, report=report, agents=agents,
        calls=mine,
    )  # fmt: skip


@router.get("/queue", response_class=HTMLResponse, response_model=None)
def queue(request: Request, skip: int = 0) -> Response:
    """One finding at a time from the review queue; keyboard: a, r, c, s."""
    workspace = _workspace(request)
    if workspace is None:
        return _to_login()
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
def batches(request: Request) -> Response:
    """Every batch of the workspace with its progress and counts per status."""
    workspace = _workspace(request)
    if workspace is None:
        return _to_login()
    with _resources(request).sessions() as session:
        found = session.scalars(
            select(Batch)
            .where(Batch.workspace_id == workspace.id)
            .order_by(Batch.created_at.desc())
            .limit(100)
        ).all()
        views = [(b, batch_progress(batch_items(session, workspace.id, b.id))) for b in found]
    return _page(request, "ui/batches.html", workspace=workspace, batches=views)


@router.get("/costs", response_class=HTMLResponse, response_model=None)
def costs(request: Request, days: int = 30) -> Response:
    """Spend by tier and day, cache and escalation rates, and the break-even chart."""
    workspace = _workspace(request)
    if workspace is None:
        return _to_login()
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
    static = resources.files("web").joinpath("static")
    app.mount("/ui/static", StaticFiles(directory=str(static)), name="ui-static")
