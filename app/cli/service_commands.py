"""`lexcrew serve`, `worker`, `workspace`, `submit`, `show` and `db`: the service side."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import app, cli_settings, console, read_input, say_error
from app.config import Settings
from app.errors import LexcrewError

if TYPE_CHECKING:
    from app.workspaces.service import Workspaces

workspace_app = typer.Typer(no_args_is_help=True, help="Workspaces (clients) and API keys.")
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
app.add_typer(workspace_app, name="workspace")
app.add_typer(db_app, name="db")


def _worker_argv(settings: Settings, concurrency: int | None, beat: bool) -> list[str]:
    # Threads, not processes: the embedded vector store allows one process per data dir.
    from app.queue.celery_config import QUEUES

    argv = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker"]
    argv += ["--loglevel", "INFO", "--pool", "threads", "-Q", ",".join(QUEUES)]
    argv += ["--concurrency", str(concurrency or settings.worker.concurrency)]
    return argv + (["--beat"] if beat else [])


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Tasks at once (threads).")] = None,
    beat: Annotated[bool, typer.Option(help="Also run the periodic sweeper schedule.")] = False,
) -> None:
    """Run a Celery worker for queued documents (Redis, or the filesystem queue)."""
    settings = cli_settings()
    os.execv(sys.executable, _worker_argv(settings, concurrency, beat))


@app.command()
def beat() -> None:
    """Run Celery beat: the sweeper every `sweep_interval_s` and the weekly drift replay."""
    cli_settings()  # the offline environment, before Celery imports the app
    argv = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "beat"]
    os.execv(sys.executable, [*argv, "--loglevel", "INFO"])


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    worker: Annotated[
        bool | None, typer.Option(help="Start a worker beside the API (embedded default).")
    ] = None,
) -> None:
    """Start the API (OpenAPI at /docs) and, on the embedded default, a worker process."""
    import uvicorn

    from app.api.main import create_app

    settings = cli_settings()
    settings.ensure_dirs()
    first_key = _workspaces(settings).first_start()
    if first_key is not None:
        console.print("First start: created workspace 'default'. Its API key (shown once):")
        console.print(first_key, soft_wrap=True, highlight=False)
    child = None
    if settings.api.embedded_worker if worker is None else worker:
        child = subprocess.Popen(_worker_argv(settings, None, beat=True))
        # uvicorn re-raises SIGTERM/SIGINT after its own shutdown: stop the worker then too.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, partial(_stop_and_exit, child))
    try:
        uvicorn.run(
            create_app(settings),
            host=host or settings.api.host,
            port=port or settings.api.port,
            log_level="info",
        )
    finally:
        if child is not None:
            _stop(child)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _stop_and_exit(child: subprocess.Popen[bytes], signum: int, _frame: object) -> None:
    _stop(child)
    raise SystemExit(128 + signum)


def _workspaces(settings: Settings) -> Workspaces:
    from app.storage.migrate import open_database
    from app.workspaces.service import Workspaces

    settings.ensure_dirs()
    return Workspaces(open_database(settings)[1])


@workspace_app.command("create")
def workspace_create(
    name: Annotated[str, typer.Argument(help="A unique name for the client.")],
    allow_external: Annotated[
        bool, typer.Option(help="Allow paid API tiers (default: local_only).")
    ] = False,
    trace_content: Annotated[
        bool,
        typer.Option(help="Put contract text (prompts, answers) into traces (default: ids only)."),
    ] = False,
) -> None:
    """Create a workspace; its API key is the last line of the output (shown once)."""
    try:
        workspace, key = _workspaces(cli_settings()).create(
            name, local_only=not allow_external, trace_content=trace_content
        )
    except LexcrewError as exc:
        say_error(exc.reason)
        raise typer.Exit(code=1) from exc
    console.print(
        f"workspace {workspace.name} ({workspace.id}), local_only={workspace.local_only}, "
        f"trace_content={workspace.trace_content}"
    )
    console.print("API key (store it now; only its hash is kept):")
    sys.stdout.write(key + "\n")


@workspace_app.command("key")
def workspace_key(name: Annotated[str, typer.Argument(help="The workspace's name.")]) -> None:
    """Issue another API key for a workspace (last line of the output)."""
    try:
        key = _workspaces(cli_settings()).add_key(name)
    except LexcrewError as exc:
        say_error(exc.reason)
        raise typer.Exit(code=1) from exc
    sys.stdout.write(key + "\n")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (serve and worker also do this at start)."""
    from app.storage.migrate import open_database

    settings = cli_settings()
    settings.ensure_dirs()
    open_database(settings)[0].dispose()
    console.print("database schema is up to date")


@app.command()
def submit(
    paths: Annotated[list[Path], typer.Argument(help="Contract PDFs to queue for review.")],
) -> None:
    """Queue PDFs for a worker in the local workspace; prints one id per document."""
    from app.intake.archive import Refusal, Upload
    from app.intake.sandbox import PdfSandbox
    from app.intake.service import Intake
    from app.queue.celery_config import CeleryEnqueuer, create_celery
    from app.storage.files import DocumentFiles
    from app.storage.migrate import open_database
    from app.workspaces.service import Workspaces

    settings = cli_settings()
    settings.ensure_dirs()
    _engine, sessions = open_database(settings)
    local = Workspaces(sessions).ensure_local()
    uploads, refused = [], []
    for pdf in paths:
        try:
            uploads.append(Upload(pdf.name, read_input(pdf)))
        except LexcrewError as exc:
            refused.append(Refusal(pdf.name, exc.status_code, exc.reason))
    sandbox = PdfSandbox(settings.upload, settings.ingest.max_pages)
    try:
        enqueuer = CeleryEnqueuer(create_celery(settings))
        files = DocumentFiles(settings.documents_dir)
        result = Intake(settings.upload, sessions, files, sandbox, enqueuer).take(
            local.id, uploads, refused, "interactive"
        )
    finally:
        sandbox.close()
    for item in result.accepted:
        sys.stdout.write(f"{item.document_id}\t{item.name}\n")
    for refusal in result.refused:
        say_error(f"✗ {refusal.name}: {refusal.reason}")
    if result.refused:
        raise typer.Exit(code=1)


@app.command()
def show(document_id: Annotated[str, typer.Argument(help="A document id (sha256).")]) -> None:
    """Print a local document's report, or its status and reason while it has none."""
    from app.documents import queries
    from app.storage.migrate import open_database
    from app.workspaces.service import LOCAL_WORKSPACE

    settings = cli_settings()
    _engine, sessions = open_database(settings)
    with sessions() as session:
        try:
            doc = queries.get_document(session, LOCAL_WORKSPACE, document_id)
            if doc.status == "completed":
                body = queries.get_report(session, LOCAL_WORKSPACE, document_id)
            else:
                body = {
                    "id": doc.id,
                    "status": doc.status,
                    "reason": doc.reason,
                    "progress": doc.progress,
                }
        except LexcrewError as exc:
            say_error(f"{document_id}: {exc.reason}")
            raise typer.Exit(code=1) from exc
    sys.stdout.write(json.dumps(body, indent=2) + "\n")
