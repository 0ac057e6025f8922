"""/api/v1/documents: upload, list, status, text, report, erasure."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import ResourcesDep, SessionDep, WorkspaceDep
from app.api.exports import reports_csv
from app.api.schemas import (
    AcceptedOut,
    DocumentList,
    DocumentOut,
    PageOut,
    Problem,
    RefusedOut,
    TextOut,
    UploadOut,
)
from app.api.uploads import read_files
from app.documents import queries
from app.documents.erasure import erase
from app.errors import NotFoundError
from app.intake.service import IntakeResult

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])
ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem},
    404: {"model": Problem},
}
UPLOAD_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem},
    413: {"model": UploadOut},
    415: {"model": UploadOut},
    422: {"model": UploadOut},
}


def upload_response(result: IntakeResult, accepted_code: int) -> JSONResponse:
    """Answer 202 when something was accepted, else the first refusal's status, with reasons."""
    body = UploadOut(
        documents=[AcceptedOut.of(a) for a in result.accepted],
        refused=[RefusedOut.of(r) for r in result.refused],
    )
    code = accepted_code
    if not result.accepted:
        code = result.refused[0].status_code if result.refused else 422
        body.detail = (
            "; ".join(f"{r.name}: {r.reason}" for r in result.refused) or "no files were sent"
        )
    return JSONResponse(body.model_dump(mode="json"), status_code=code)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=UploadOut,
    responses=UPLOAD_ERRORS,
    summary="Upload one or several PDFs for review",
)
async def upload_documents(
    resources: ResourcesDep,
    workspace: WorkspaceDep,
    files: Annotated[list[UploadFile], File(description="One or several contract PDFs.")],
) -> JSONResponse:
    """Store each PDF once (the same file again is the same document) and queue it."""
    uploads, refused = await read_files(files, resources.settings.upload, zips=False)
    result = await run_in_threadpool(
        resources.intake.take, workspace.id, uploads, refused, "interactive"
    )
    return upload_response(result, status.HTTP_202_ACCEPTED)


@router.get("", response_model=DocumentList, responses=ERRORS)
def list_documents(
    session: SessionDep,
    workspace: WorkspaceDep,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    batch_id: Annotated[str | None, Query(max_length=64)] = None,
    filename: Annotated[str | None, Query(max_length=255, description="Substring.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> DocumentList:
    """List the workspace's documents with status and progress, newest first."""
    where = queries.DocumentFilter(status_, batch_id, filename, limit, offset)
    docs, total = queries.list_documents(session, workspace.id, where)
    return DocumentList(
        documents=[DocumentOut.of(d) for d in docs], total=total, limit=limit, offset=offset
    )


@router.get("/{document_id}", response_model=DocumentOut, responses=ERRORS)
def get_document(session: SessionDep, workspace: WorkspaceDep, document_id: str) -> DocumentOut:
    """Return a document's status, progress and reason."""
    return DocumentOut.of(queries.get_document(session, workspace.id, document_id))


@router.get("/{document_id}/text", response_model=TextOut, responses=ERRORS)
def get_text(
    resources: ResourcesDep, session: SessionDep, workspace: WorkspaceDep, document_id: str
) -> TextOut:
    """Return the extracted text that every finding's start and end index into."""
    queries.get_document(session, workspace.id, document_id)
    text = resources.files.load_text(workspace.id, document_id)
    if text is None:
        raise NotFoundError("this document has no text yet; see its status")
    return TextOut(
        id=document_id,
        text=text.text,
        pages=[PageOut(number=p.number, start=p.start, end=p.end) for p in text.pages],
    )


@router.get(
    "/{document_id}/report",
    responses={**ERRORS, 200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def get_report(
    session: SessionDep,
    workspace: WorkspaceDep,
    document_id: str,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Return the schema-v1 report, or its findings as CSV (`?format=csv`)."""
    report = queries.get_report(session, workspace.id, document_id)
    if format == "csv":
        return PlainTextResponse(
            reports_csv([report]),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{document_id}.csv"'},
        )
    return JSONResponse(report)


@router.delete("/{document_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_document(resources: ResourcesDep, workspace: WorkspaceDep, document_id: str) -> Response:
    """Erase a document: its rows, files, vectors and cache entries."""
    erase(resources.sessions, resources.files, resources.enqueuer, workspace.id, document_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
