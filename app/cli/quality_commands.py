"""`lexcrew feedback export` (reviewers' corrections as training data) and `lexcrew finetune`."""

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


@app.command("finetune")
def finetune_cmd(
    train: Annotated[Path, typer.Argument(help="CUAD train.jsonl.gz (never dev).")],
    out: Annotated[Path, typer.Option(help="Folder for adapters; each run writes out/<version>/.")],
    feedback: Annotated[
        list[Path] | None, typer.Option(help="`lexcrew feedback export` files to learn from too.")
    ] = None,
    steps: Annotated[int, typer.Option(min=1, help="Training steps (one example each).")] = 150,
    seed: Annotated[int, typer.Option(help="Seed for example choice, order and weights.")] = 13,
    contracts: Annotated[
        int | None, typer.Option(min=1, help="Use only the first N contracts of TRAIN.")
    ] = None,
    dev: Annotated[
        Path | None,
        typer.Option(
            help="CUAD dev folder: register the adapter only if `lexcrew eval` on it "
            "says it beats the adapter in use."
        ),
    ] = None,
    task: Annotated[
        list[str] | None,
        typer.Option(help="A crew task to learn: extract (the default) or validate; repeatable."),
    ] = None,
) -> None:
    """LoRA-train the self-hosted model on the crew's own prompts (the extractor's by default).

    Writes a versioned adapter: PEFT files (vLLM), a GGUF LoRA (llama.cpp) and a manifest with
    seed, config and the hashes of the data and the base model. Same inputs, same version.
    """
    import itertools

    from app.bootstrap import load_reviewer
    from app.extraction.training import read_contracts
    from app.finetune.examples import TASKS, build_examples, feedback_examples
    from app.finetune.lora import FinetuneConfig, examples_sha, train_adapter
    from app.gateway.model_files import ensure_gguf

    tasks = tuple(dict.fromkeys(task or ["extract"]))
    unknown = sorted(set(tasks) - set(TASKS))
    if unknown:
        raise typer.BadParameter(f"unknown task {unknown[0]!r}; choose from {', '.join(TASKS)}")
    if feedback and "validate" not in tasks:
        raise typer.BadParameter("--feedback holds validator verdicts: add --task validate")
    settings = cli_settings()
    config = FinetuneConfig(seed=seed, steps=steps, tasks=tasks)
    chosen = itertools.islice(read_contracts(train), contracts)
    console.print(f"building {', '.join(tasks)} examples from {train} through the crew")
    examples = build_examples(
        chosen, settings, seed, config.prompts_per_contract, log=console.print, tasks=tasks
    )
    for path in feedback or []:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        more = feedback_examples(rows, load_reviewer(settings).run)
        console.print(f"{len(more)} examples from {path}")
        examples += more
    console.print(f"{len(examples)} examples; training {steps} steps")
    result = train_adapter(
        examples, ensure_gguf(settings), out, config, examples_sha(examples), log=console.print
    )
    console.print(f"adapter {result.version} written to {result.folder}")
    if dev is None:
        console.print("not registered (no --dev): set LEXCREW_MODEL__LORA_PATH to try it")
        return
    from app.finetune.gate import register_if_better

    register_if_better(settings, result.folder, dev, console.print)


@app.command("register")
def register_cmd(
    adapter: Annotated[
        Path, typer.Argument(help="An adapter folder `lexcrew finetune` wrote (out/<version>/).")
    ],
    dev: Annotated[Path, typer.Option(help="CUAD dev folder to compare on.")],
) -> None:
    """Register an adapter trained earlier (or elsewhere) if `lexcrew eval` on dev says it
    beats the adapter in use: the gate `lexcrew finetune --dev` runs after training. Exit 1
    when it does not."""
    from app.finetune.gate import register_if_better
    from app.finetune.lora import GGUF_NAME, MANIFEST

    if not (adapter / GGUF_NAME).is_file() or not (adapter / MANIFEST).is_file():
        raise typer.BadParameter(f"{adapter} has no {GGUF_NAME} and {MANIFEST}")
    if not register_if_better(cli_settings(), adapter, dev, console.print):
        raise typer.Exit(1)
