"""Budget reservations on a real SQLite database, and the tier chain of the router."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import BudgetSettings
from app.errors import BudgetExceededError
from app.gateway.budget import Budgets
from app.gateway.ledger import CallContext
from app.gateway.types import Completion, CompletionRequest, Message
from tests.support.gateway import gateway_settings, make_gateway, open_sessions


def test_a_reservation_that_would_pass_any_cap_holds_nothing(tmp_path: Path) -> None:
    budgets = Budgets(open_sessions(tmp_path), BudgetSettings(document_tokens=100, batch_usd=1.0))
    scopes = budgets.scopes("ws", "doc", "batch-1")
    first = budgets.reserve("ws", scopes, 0.5, 60)
    with pytest.raises(BudgetExceededError, match="document budget"):
        budgets.reserve("ws", scopes, 0.1, 60)  # over the document's tokens
    budgets.settle(first, 0.4, 50)
    second = budgets.reserve("ws", scopes, 0.1, 40)  # the settled cost freed room
    budgets.settle(second, 0.1, 40)
    with pytest.raises(BudgetExceededError, match="batch budget"):
        budgets.reserve("ws", budgets.scopes("ws", "other-doc", "batch-1"), 0.6, 1)


def test_per_call_caps_and_no_caps() -> None:
    budgets = Budgets(None, BudgetSettings(call_usd=0.01, call_tokens=1000))  # type: ignore[arg-type]
    assert budgets.call_allows(0.005, 999) and budgets.call_allows(None, 10)
    assert not budgets.call_allows(0.02, 10) and not budgets.call_allows(0.001, 1001)
    assert Budgets(None, BudgetSettings()).scopes("ws", "d", "b") == ()  # type: ignore[arg-type]


class _Named:
    def __init__(self, tier: str) -> None:
        self.tier = tier
        self.name = f"model-{tier}"

    def complete(self, request: CompletionRequest) -> Completion:
        raise AssertionError("routing only")


def test_the_chain_follows_route_escalation_and_privacy(tmp_path: Path) -> None:
    paid = {"provider": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1",
            "api_key": "k"}  # fmt: skip
    config = gateway_settings(
        tiers={
            "self_hosted": {"provider": "llamacpp", "external": False},
            "mid": paid,
            "frontier": {**paid, "api_key": None},
        },
        routes={"summarize": "mid"},
    )
    models = {t: _Named(t) for t in ("self_hosted", "mid", "frontier")}
    gateway = make_gateway(open_sessions(tmp_path), models, config)  # type: ignore[arg-type]
    open_ws, private = CallContext("a", local_only=False), CallContext("b", local_only=True)

    def ask(task: str, escalation: str | None = None) -> CompletionRequest:
        return CompletionRequest((Message("user", "x"),), task, escalation=escalation)  # type: ignore[arg-type]

    assert gateway.chain(ask("extract"), open_ws) == ["self_hosted", "mid"]  # frontier: no key
    assert gateway.chain(ask("summarize"), open_ws) == ["mid", "self_hosted"]
    assert gateway.chain(ask("validate", "low confidence"), open_ws) == ["mid"]
    assert gateway.chain(ask("summarize"), private) == ["self_hosted"]
    assert gateway.chain(ask("validate", "low confidence"), private) == []
    assert not gateway.can_escalate("validate", private)


class _Tuned(_Named):
    """A self-hosted model whose LoRA learned the extractor only."""

    def on_base_weights(self, task: str) -> bool:
        return task != "extract"


def test_whether_a_task_is_answered_on_base_weights_is_asked_of_its_first_tier(
    tmp_path: Path,
) -> None:
    paid = {"provider": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1",
            "api_key": "k"}  # fmt: skip
    config = gateway_settings(
        tiers={"self_hosted": {"provider": "llamacpp", "external": False}, "mid": paid},
        routes={"summarize": "mid"},
    )
    models = {"self_hosted": _Tuned("self_hosted"), "mid": _Named("mid")}
    gateway = make_gateway(open_sessions(tmp_path), models, config)  # type: ignore[arg-type]
    private = CallContext("b", local_only=True)
    assert gateway.on_base_weights("validate", private)
    assert not gateway.on_base_weights("extract", private)
    # Routed to a tier that cannot tell (a paid API): not base weights.
    assert not gateway.on_base_weights("summarize", CallContext("a", local_only=False))
    # A model without the question (no LoRA story at all) is not counted as base weights.
    plain = make_gateway(
        open_sessions(tmp_path / "plain"),
        {"self_hosted": _Named("self_hosted")},
        config,  # type: ignore[dict-item]
    )
    assert not plain.on_base_weights("validate", private)


def test_configuring_one_tier_keeps_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import Settings

    monkeypatch.setenv("LEXCREW_GATEWAY__TIERS__MID__MODEL", "gpt-x")
    monkeypatch.setenv("LEXCREW_GATEWAY__TIERS__MID__BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("LEXCREW_GATEWAY__TIERS__MID__API_KEY", "sk-test")
    gateway = Settings().gateway
    assert gateway.tier("mid").enabled and gateway.tier("self_hosted").provider == "llamacpp"
    assert not gateway.tier("frontier").enabled  # paid tiers stay off until configured
