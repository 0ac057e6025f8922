"""The readable terminal view of reports and evaluations."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from app.evaluation.runner import EvalRun
from app.review.report import Report

SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "green"}


def _snippet(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def show_report(console: Console, report: Report) -> None:
    """Print a report's findings, key terms and memo."""
    doc = report.document
    table = Table(title=f"{doc.filename} — {doc.pages} pages, {len(report.clauses)} findings")
    for column in ("id", "category", "page", "value / text", "conf.", "risk", "checks"):
        table.add_column(column, overflow="fold")
    for c in report.clauses:
        style = SEVERITY_STYLE[c.risk.severity]
        checks = "ok" if c.checks.get("grounded") and not c.checks.get("flagged") else "flagged"
        table.add_row(
            c.id,
            escape(c.category),
            str(c.page),
            _snippet(c.normalized or c.text),
            f"{c.confidence:.2f}",
            f"[{style}]{c.risk.severity}[/]",
            checks,
        )
    console.print(table)
    terms = "\n".join(
        f"[bold]{escape(k)}[/]: {_snippet(v, 120)}" for k, v in report.summary.key_terms.items()
    )
    console.print(Panel(terms or "none", title="Key terms"))
    console.print(Panel(escape(report.summary.memo), title="Memo"))
    usage, timing = report.usage, report.timing
    console.print(
        f"model calls {usage.llm_calls} · tokens {usage.prompt_tokens}+{usage.completion_tokens} "
        f"· ingest {timing.ingest_s:.1f}s · review {timing.review_s:.1f}s "
        f"· total {timing.total_s:.1f}s · missing {len(report.missing)} categories"
    )


def show_eval(console: Console, run: EvalRun) -> None:
    """Print evaluation metrics overall and per category."""
    summary = run.to_dict()
    m = run.metrics
    console.print(
        f"[bold]contracts[/] {summary['reviewed']}/{summary['contracts']} "
        f"· pages {summary['pages']} · s/page {summary['seconds_per_page']} "
        f"· llm calls {summary['llm_calls']} · tokens "
        f"{summary['prompt_tokens']}+{summary['completion_tokens']} · load {summary['load_avg_1m']}"
    )
    console.print(
        f"clause P/R/F1 {m.clause.precision:.3f}/{m.clause.recall:.3f}/{m.clause.f1:.3f} · "
        f"presence P/R/F1 {m.presence.precision:.3f}/{m.presence.recall:.3f}/{m.presence.f1:.3f} · "
        f"AUPR {m.aupr:.3f} · P@80%R {m.precision_at_80_recall:.3f} "
        f"(max recall {m.max_recall:.3f}; ranking of {m.n_predicted_clauses} findings and "
        f"{m.n_possible_clauses} possible clauses; findings alone: AUPR {m.findings_aupr:.3f})"
    )
    table = Table(title="Per category")
    for column in ("category", "gold", "pred", "clause P", "clause R", "clause F1", "presence F1"):
        table.add_column(column)
    for c in m.per_category:
        table.add_row(
            c.category,
            str(c.gold_clauses),
            str(c.predicted_clauses),
            f"{c.clause.precision:.2f}",
            f"{c.clause.recall:.2f}",
            f"{c.clause.f1:.2f}",
            f"{c.presence.f1:.2f}",
        )
    console.print(table)
    for name, reason in run.failures.items():
        console.print(f"[red]failed[/] {escape(name)}: {escape(reason)}")
