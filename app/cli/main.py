"""`lexcrew review`, `lexcrew eval`, `lexcrew train-models` and `lexcrew encoder-data`."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli import (  # noqa: F401 - registers commands
    gateway_commands,
    quality_commands,
    service_commands,
)
from app.cli.common import app, cli_settings, console, read_input, say_error
from app.config import Settings, unknown_variables
from app.errors import LexcrewError
from app.observability import logs

if TYPE_CHECKING:
    from app.review.service import ReviewService


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def output_paths(pdfs: list[Path], out: Path | None) -> dict[Path, Path]:
    """Map PDFs to report paths: OUT itself for one PDF and a .json OUT, else OUT/<stem>.json."""
    if out is None:
        return {}
    if len(pdfs) == 1 and out.suffix == ".json":
        return {pdfs[0]: out}
    paths: dict[Path, Path] = {}
    for pdf in pdfs:
        target = out / f"{pdf.stem}.json"
        n = 2
        while target in paths.values():
            target, n = out / f"{pdf.stem}-{n}.json", n + 1
        paths[pdf] = target
    return paths


@contextmanager
def _service(settings: Settings) -> Iterator[ReviewService]:
    """The review service, closed after use; exit with the one-line reason it cannot start."""
    from app.bootstrap import build_service

    try:
        service, store = build_service(settings)
    except LexcrewError as exc:
        say_error(f"cannot start: {exc.reason}")
        raise typer.Exit(code=2) from exc
    try:
        yield service
    finally:
        service.close()
        store.close()


def _write(target: Path, content: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content, encoding="utf-8")


@app.command()
def review(
    paths: Annotated[list[Path], typer.Argument(help="Contract PDFs to review.")],
    out: Annotated[Path | None, typer.Option(help="A .json file (one PDF) or a folder.")] = None,
    html: Annotated[
        Path | None,
        typer.Option(help="Folder for one HTML page per document (findings beside pages)."),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="Do not print the findings.")] = False,
) -> None:
    """Review contract PDFs; write one schema-v1 report per document."""
    from app.bootstrap import load_renderer
    from app.cli.view import show_report
    from app.review.service import Requester
    from app.workspaces.service import Workspaces

    settings = cli_settings()
    render = load_renderer() if html is not None else None
    targets = output_paths(paths, out)
    pages = {pdf: p.with_suffix(".html") for pdf, p in output_paths(paths, html).items()}
    failed: dict[Path, str] = {}
    with ExitStack() as stack:
        with console.status("loading models…"):
            service = stack.enter_context(_service(settings))
        local = Workspaces(service.parts.sessions).ensure_local()
        who = Requester(local.id, local.local_only, trace_content=local.trace_content)
        with _progress() as bar:
            task = bar.add_task("reviewing", total=len(paths))
            for pdf in paths:
                bar.update(task, description=f"{pdf.name}")

                def stage(name: str, pdf: Path = pdf) -> None:
                    bar.update(task, description=f"{pdf.name}: {name}")

                try:
                    report = service.review(read_input(pdf), pdf.name, who, stage)
                except LexcrewError as exc:
                    failed[pdf] = exc.reason
                    say_error(f"✗ {pdf}: {exc.reason}")
                else:
                    if pdf in targets:
                        _write(targets[pdf], report.model_dump_json(indent=2))
                    if render is not None and pdf in pages:
                        doc = service.parts.files.load_text("local", report.document.id)
                        if doc is not None:
                            offsets = [(p.start, p.end) for p in doc.pages]
                            _write(pages[pdf], render(report, doc.text, offsets))
                    if not quiet:
                        show_report(bar.console, report)
                bar.advance(task)
    if failed:
        say_error(f"{len(failed)} of {len(paths)} documents failed")
        raise typer.Exit(code=1)


@app.command("eval")
def evaluate_cmd(
    folder: Annotated[Path, typer.Argument(help="A CUAD-format folder: <name>.pdf + <name>.json.")],
    out: Annotated[Path, typer.Option(help="Folder for reports/ and metrics.json.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Review every labelled PDF of a folder and print CUAD metrics, speed and tokens."""
    from app.cli.view import show_eval
    from app.evaluation.runner import evaluate, labelled_pdfs

    settings = cli_settings()
    total = len(labelled_pdfs(folder))
    if total == 0:
        say_error(f"no labelled PDFs (<name>.pdf + <name>.json) in {folder}")
        raise typer.Exit(code=2)
    with _service(settings) as service, _progress() as bar:
        task = bar.add_task("evaluating", total=total)
        run = evaluate(
            folder,
            service,
            service.parts.clause_model.categories,
            out,
            on_done=lambda name, _report: bar.update(task, advance=1, description=name),
        )
    if as_json:
        sys.stdout.write(json.dumps(run.to_dict(), indent=2) + "\n")
    else:
        show_eval(Console(), run)


@app.command("drift")
def drift_cmd(
    rebaseline: Annotated[
        bool, typer.Option(help="Store this replay as the new baseline (after a wanted change).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Replay the fixed drift sample and compare it with its baseline; exit 1 on an alert."""
    from app.evaluation.drift import run_drift

    settings = cli_settings()
    try:
        with _service(settings) as service, console.status("replaying the drift sample…"):
            result = run_drift(service, rebaseline)
    except LexcrewError as exc:
        say_error(exc.reason)
        raise typer.Exit(code=2) from exc
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        console.print(f"drift {result.kind} of sample {result.sample}")
        for name, value in result.metrics.items():
            before = (result.baseline or {}).get(name)
            drop = result.drops.get(name)
            shown = f"{value:.4f}"
            if before is not None and drop is not None:
                shown += f"  (baseline {before:.4f}, drop {drop:+.1%})"
            console.print(f"  {name:<24} {shown}")
        if result.models_changed is not None:
            changed = result.model_change or "no"
            console.print(f"  trained models changed since the baseline: {changed}")
        if result.alert:
            say_error(f"ALERT: a metric fell more than {settings.drift.max_drop:.0%}")
    if result.alert:
        raise typer.Exit(code=1)


@app.command("train-models")
def train_models_cmd(
    train: Annotated[Path, typer.Argument(help="CUAD train.jsonl.gz (never dev).")],
    out: Annotated[Path, typer.Option(help="Folder for the clause and phrase model files.")],
    encoder: Annotated[
        Path | None,
        typer.Option(
            help="Unit encoder folder (encoder_fit.py's output) to stack with; "
            "default: the one shipped in app/extraction/data/encoder."
        ),
    ] = None,
    use_encoder: Annotated[
        bool, typer.Option("--use-encoder/--no-encoder", help="Stack the unit encoder.")
    ] = True,
    phrases_only: Annotated[
        bool,
        typer.Option("--phrases-only", help="Train the phrase model only (minutes, not an hour)."),
    ] = False,
) -> None:
    """Train the clause and phrase models on CUAD train (fixed seed, data hash recorded)."""
    import hashlib

    from app.extraction import shipped_folder
    from app.extraction.clause_model import ENCODER_DIR
    from app.extraction.phrase_training import train_phrase_model
    from app.extraction.training import TrainConfig, fit_clause_model, read_contracts

    config = TrainConfig()
    data_sha = hashlib.sha256(train.read_bytes()).hexdigest()
    contracts = list(read_contracts(train))
    if not phrases_only:
        encoder_dir = (encoder or shipped_folder() / ENCODER_DIR) if use_encoder else None
        model = fit_clause_model(contracts, config, data_sha, console.print, encoder_dir)
        model.save(out)
        console.print(f"clause model {model.version} written to {out}")
    phrases = train_phrase_model(contracts, config.folds, config.seed, data_sha, console.print)
    phrases.save(out)
    console.print(f"phrase model {phrases.version} written to {out}")


@app.command("encoder-data")
def encoder_data_cmd(
    train: Annotated[Path, typer.Argument(help="CUAD train.jsonl.gz (never dev).")],
    out: Annotated[Path, typer.Option(help="The .jsonl.gz to write.")],
) -> None:
    """Write the clause model's training units for the unit encoder's trainer (encoder_fit.py)."""
    from app.extraction.training import read_contracts, write_units

    count = write_units(list(read_contracts(train)), out)
    console.print(f"{count} units written to {out}")


def main() -> None:
    """Run the CLI, first saying which LEXCREW_ variables name no setting (likely typos)."""
    logs.configure(Settings().log)
    for name in unknown_variables():
        logging.getLogger("lexcrew.config").warning(
            "config.unknown_variable name=%s: no such setting, ignored (README: Configuration)",
            name,
        )
    app()
