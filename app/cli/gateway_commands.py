"""`lexcrew usage` and `lexcrew cost breakeven`: what the model gateway spent, and what it would."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import app, cli_settings, console, say_error
from app.gateway.spend import PRICES

cost_app = typer.Typer(no_args_is_help=True, help="Cost models of self-hosted and API serving.")
app.add_typer(cost_app, name="cost")


def _ledger_calls(workspace: str | None, days: int) -> list[object]:
    from sqlalchemy import select

    from app.gateway.ledger import Ledger
    from app.storage.migrate import open_database
    from app.storage.models import Workspace

    settings = cli_settings()
    settings.ensure_dirs()
    _engine, sessions = open_database(settings)
    workspace_id = None
    if workspace is not None:
        with sessions() as session:
            workspace_id = session.scalar(select(Workspace.id).where(Workspace.name == workspace))
        if workspace_id is None:
            say_error(f"no workspace named '{workspace}'")
            raise typer.Exit(code=2)
    since = datetime.now(UTC) - timedelta(days=days)
    return list(Ledger(sessions).calls(workspace_id, since))


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.4f}"


@app.command()
def usage(
    workspace: Annotated[str | None, typer.Option(help="One workspace (by name).")] = None,
    days: Annotated[int, typer.Option(min=1, help="How many days back.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Spend, calls, cache hit rate and escalation rate by day and tier, from the ledger."""
    from app.gateway.spend import by_day_and_tier

    rows = by_day_and_tier(_ledger_calls(workspace, days))  # type: ignore[arg-type]
    if as_json:
        for row in rows:
            record = {
                **asdict(row),
                "cache_hit_rate": round(row.cache_hit_rate, 4),
                "escalation_rate": round(row.escalation_rate, 4),
            }
            sys.stdout.write(json.dumps(record) + "\n")
        return
    if not rows:
        console.print(f"no model calls in the last {days} days")
        return
    table = Table(title=f"Model calls, last {days} days")
    for column in ("day", "tier", "calls", "cache hits", "hit rate", "escalated", "failed",
                   "tokens in", "tokens out", "cost"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("day", "tier") else "right")
    for r in rows:
        table.add_row(
            r.day, r.tier, str(r.calls), str(r.cache_hits), f"{r.cache_hit_rate:.0%}",
            f"{r.escalation_rate:.0%}", str(r.failed), f"{r.prompt_tokens:,}",
            f"{r.completion_tokens:,}", _money(r.cost_usd),
        )  # fmt: skip
    console.print(table)


@cost_app.command("breakeven")
def breakeven(
    contracts_per_month: Annotated[float, typer.Option(help="Monthly contract volume.")],
    api_usd_per_mtok_in: Annotated[float, typer.Option(help="API price, input tokens.")] = (
        PRICES.api_usd_per_mtok_in
    ),
    api_usd_per_mtok_out: Annotated[float, typer.Option(help="API price, output tokens.")] = (
        PRICES.api_usd_per_mtok_out
    ),
    gpu_usd_per_hour: Annotated[float, typer.Option(help="GPU price per hour.")] = (
        PRICES.gpu_usd_per_hour
    ),
    gpu_tokens_per_s: Annotated[
        float | None, typer.Option(help="Self-hosted throughput; default: from the ledger.")
    ] = None,
    gpu_min_hours_per_month: Annotated[
        float, typer.Option(help="GPU hours paid even when idle (730: always on).")
    ] = PRICES.gpu_min_hours_per_month,
    engineering_usd_per_month: Annotated[
        float, typer.Option(help="People time to run the self-hosted stack.")
    ] = PRICES.engineering_usd_per_month,
    tokens_in: Annotated[
        float | None, typer.Option(help="Input tokens per contract; default: from the ledger.")
    ] = None,
    tokens_out: Annotated[
        float | None, typer.Option(help="Output tokens per contract; default: from the ledger.")
    ] = None,
    escalated_share: Annotated[
        float | None, typer.Option(help="Share of tokens sent to APIs; default: the ledger's.")
    ] = None,
    chart: Annotated[Path, typer.Option(help="Where to write the chart (SVG).")] = Path(
        "breakeven.svg"
    ),
) -> None:
    """Monthly cost of API-only, self-hosted and the current hybrid routing; the break-even."""
    from app.gateway.breakeven import CostInputs, render_table, write_chart
    from app.gateway.spend import contract_profile

    profile = contract_profile(_ledger_calls(None, 365))  # type: ignore[arg-type]
    measured = profile.documents > 0
    if not measured and (tokens_in is None or tokens_out is None):
        say_error("the ledger has no reviews yet: give --tokens-in and --tokens-out")
        raise typer.Exit(code=2)
    try:
        inputs = CostInputs(
            contracts_per_month=contracts_per_month,
            tokens_in_per_contract=tokens_in if tokens_in is not None else profile.tokens_in,
            tokens_out_per_contract=tokens_out if tokens_out is not None else profile.tokens_out,
            api_usd_per_mtok_in=api_usd_per_mtok_in,
            api_usd_per_mtok_out=api_usd_per_mtok_out,
            gpu_usd_per_hour=gpu_usd_per_hour,
            gpu_tokens_per_s=gpu_tokens_per_s
            or profile.self_hosted_tokens_per_s
            or PRICES.fallback_tokens_per_s,
            gpu_min_hours_per_month=gpu_min_hours_per_month,
            engineering_usd_per_month=engineering_usd_per_month,
            escalated_share=(
                escalated_share if escalated_share is not None else profile.escalated_share
            ),
        )
        written = write_chart(inputs, chart)
    except ValueError as exc:
        say_error(str(exc).splitlines()[0])
        raise typer.Exit(code=2) from exc
    if measured:
        console.print(
            f"measured from the ledger: {profile.documents} contracts, "
            f"{profile.tokens_in:,.0f} tokens in and {profile.tokens_out:,.0f} out per contract, "
            f"{profile.escalated_share:.1%} of tokens escalated"
        )
    table = Table(title="Monthly cost")
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in render_table(inputs):
        table.add_row(label, value)
    console.print(table)
    console.print(f"chart: {written}")
