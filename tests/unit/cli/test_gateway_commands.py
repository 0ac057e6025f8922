"""`lexcrew usage` and `lexcrew cost breakeven` on a real SQLite ledger."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from app.gateway.ledger import CallContext, Ledger
from app.gateway.types import UsageRecord
from tests.support.gateway import open_sessions


@pytest.fixture
def ledger_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEXCREW_DATA_DIR", str(tmp_path))
    ledger = Ledger(open_sessions(tmp_path))
    for doc in ("d1", "d2"):
        ctx = CallContext("ws", doc, None, "t", False)
        for tier, cost, escalation in (("self_hosted", None, None), ("mid", 0.002, "low")):
            ledger.record(ctx, "openai", UsageRecord(
                task="validate", tier=tier, model="m", prompt_tokens=1000,
                completion_tokens=100, latency_s=2.0, cost_usd=cost, document_id=doc,
                escalation=escalation,
            ))  # fmt: skip
        ledger.record(ctx, "llamacpp", UsageRecord(
            task="summarize", tier="self_hosted", model="m", prompt_tokens=0,
            completion_tokens=0, latency_s=0.0, cost_usd=0.0, cache_hit=True, document_id=doc,
        ))  # fmt: skip
    return tmp_path


def test_usage_sums_calls_hits_escalations_and_cost_per_tier(ledger_dir: Path) -> None:
    result = CliRunner().invoke(app, ["usage", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["tier"]: r for r in map(json.loads, result.output.splitlines())}
    assert rows["self_hosted"]["calls"] == 2 and rows["self_hosted"]["cache_hits"] == 2
    assert rows["self_hosted"]["cache_hit_rate"] == 0.5
    assert rows["self_hosted"]["cost_usd"] is None  # no price configured: unknown, not 0
    assert rows["mid"]["escalated"] == 2 and rows["mid"]["escalation_rate"] == 1.0
    assert rows["mid"]["cost_usd"] == 0.004


def test_breakeven_uses_the_ledgers_tokens_and_writes_a_chart(ledger_dir: Path) -> None:
    chart = ledger_dir / "be.svg"
    result = CliRunner().invoke(
        app, ["cost", "breakeven", "--contracts-per-month", "10000", "--chart", str(chart)]
    )
    assert result.exit_code == 0, result.output
    assert "2 contracts" in result.output and "50.0% of tokens escalated" in result.output
    assert "Break-even" in result.output
    ET.parse(chart)  # a well-formed SVG


def test_breakeven_refuses_a_png_chart(ledger_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["cost", "breakeven", "--contracts-per-month", "10", "--chart", "x.png"]
    )
    assert result.exit_code == 2 and "unsupported chart format" in result.output
