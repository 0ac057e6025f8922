"""`lexcrew feedback export`: reviewers' corrections as training data."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import app, cli_settings, console, say_error

feedback_app = typer.Typer(no_args_is_help=True, help="Reviewers' verdicts on findings.")
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    workspace: Annotated[
        list[str] | None,
        typer.Option(help="A workspace (by name) whose corrections to export; repeatable."),
    ] = None,
    every_workspace: Annotated[
        bool,
        typer.Option(
            "--all-workspaces",
            help="Export every workspace's corrections. An adapter trained on them may repeat "
            "one client's text to another: only with every client's consent.",
        ),
    ] = False,
    out: Annotated[Path | None, typer.Option(help="A .jsonl file (default: stdout).")] = None,
) -> None:
    """Write each reviewed finding's last verdict (prediction and label) as JSON lines."""
    from sqlalchemy import select

    from app.feedback.service import training_rows
    from app.storage.migrate import open_database
    from app.storage.models import Workspace

    if bool(workspace) == every_workspace:
        say_error("name the workspaces (--workspace NAME) or pass --all-workspaces")
        raise typer.Exit(code=2)
    settings = cli_settings()
    settings.ensure_dirs()
    _engine, sessions = open_database(settings)
    with sessions() as session:
        query = select(Workspace).order_by(Workspace.name)
        if workspace:
            query = query.where(Workspace.name.in_(workspace))
        chosen = list(session.scalars(query))
        missing = set(workspace or ()) - {w.name for w in chosen}
        if missing:
            say_error(f"no workspace named {', '.join(sorted(missing))}")
            raise typer.Exit(code=2)
        rows = [
            {"workspace": w.name, **row} for w in chosen for row in training_rows(session, w.id)
        ]
    lines = "".join(json.dumps(row) + "\n" for row in rows)
    if out is None:
        sys.stdout.write(lines)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(lines, encoding="utf-8")
    console.print(f"{len(rows)} reviewed findings from {len(chosen)} workspace(s)")
