"""/api/v1/batches: many files or one zip, idempotent, with progress and results."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Header, Response, UploadFile, status
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import ResourcesDep, SessionDep, WorkspaceDep
from app.api.documents import ERRORS, UPLOAD_ERRORS, upload_response
from app.api.exports import jsonl, reports_csv, reports_zip
from app.api.schemas import BatchOut, UploadOut
from app.api.uploads import read_files
from app.documents import queries

router = APIRouter(prefix="/api/v1/batches", tags=["batches"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchOut,
    responses={**UPLOAD_ERRORS, 409: {"model": UploadOut}},
    summary="Post many PDFs (or one zip of PDFs) as a batch",
)
async def create_batch(
    resources: ResourcesDep,
    session: SessionDep,
    workspace: WorkspaceDep,
    files: Annotated[list[UploadFile], File(description="PDFs, or zip archives of PDFs.")],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Queue every good file at bulk priority; refused files are listed with their reasons."""
    uploads, refused = await read_files(files, resources.settings.upload, zips=True)
    result = await run_in_threadpool(
        resources.intake.take_batch, workspace.id, uploads, refused, idempotency_key
    )
    if result.batch_id is None:
        return upload_response(result, status.HTTP_202_ACCEPTED)
    body = _batch(session, workspace.id, result.batch_id)
    code = status.HTTP_200_OK if result.replayed else status.HTTP_202_ACCEPTED
    return JSONResponse(body.model_dump(mode="json"), status_code=code)


def _batch(session: SessionDep, workspace_id: str, batch_id: str) -> BatchOut:
    batch = queries.get_batch(session, workspace_id, batch_id)
    items = queries.batch_items(session, workspace_id, batch_id)
    return BatchOut.of(batch.id, batch.created_at, items, queries.batch_progress(items))


@router.get("/{batch_id}", response_model=BatchOut, responses=ERRORS)
def get_batch(session: SessionDep, workspace: WorkspaceDep, batch_id: str) -> BatchOut:
    """Return a batch's counts per status and progress."""
    return _batch(session, workspace.id, batch_id)


@router.get(
    "/{batch_id}/results",
    responses={
        **ERRORS,
        200: {
            "content": {
                "application/x-ndjson": {},
                "text/csv": {},
                "application/zip": {},
            }
        },
    },
)
def get_results(
    session: SessionDep,
    workspace: WorkspaceDep,
    batch_id: str,
    format: Literal["jsonl", "csv", "zip"] = "jsonl",
) -> Response:
    """Return the batch's outcomes: JSON lines (default), a CSV of findings, or a zip of reports."""
    items = queries.batch_items(session, workspace.id, batch_id)
    ids = [i.document.id for i in items if i.document is not None]
    reports: dict[str, dict[str, Any]] = dict(queries.reports_of(session, workspace.id, ids))
    lines = [
        {
            "filename": i.filename,
            "document_id": i.document.id if i.document else None,
            "status": i.document.status if i.document else "refused",
            "reason": i.document.reason if i.document else i.reason,
            "report": reports.get(i.document.id) if i.document else None,
        }
        for i in items
    ]
    name = f"batch-{batch_id}"
    if format == "csv":
        return PlainTextResponse(
            reports_csv(reports.values()),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "zip":
        manifest = jsonl({k: v for k, v in line.items() if k != "report"} for line in lines)
        return Response(
            reports_zip(reports.items(), manifest),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
        )
    return PlainTextResponse(jsonl(lines), media_type="application/x-ndjson")
