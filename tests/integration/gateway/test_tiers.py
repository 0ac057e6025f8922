"""The gateway against real servers: escalation, failover, retries, breaker, privacy, cache,
budgets. Faults come from the proxy; what reached each tier is read from its request log."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from app.config import TierSettings
from app.errors import BudgetExceededError, ModelUnavailableError
from app.gateway.openai_provider import OpenAICompatibleModel
from app.gateway.protocol import ChatModel
from app.gateway.router import Gateway
from app.gateway.types import CompletionRequest, Message
from app.observability import metrics
from app.review.crew_plan import VerdictAnswer
from app.storage.db import SessionFactory
from app.storage.models import BudgetCounter, ModelCall, RedactionAudit
from tests.integration.gateway.conftest import server_tier
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.gateway import bound, gateway_settings, make_gateway, open_sessions

pytestmark = pytest.mark.integration
SCHEMA = json.dumps(VerdictAnswer.model_json_schema())


def verdict_request(
    clause: str, escalation: str | None = None, prompt_version: str = "validator@1"
) -> CompletionRequest:
    prompt = (
        "Does each clause belong to its category? Answer yes or no per id.\n"
        f"<contract_text>[c1] Governing Law: {clause}</contract_text>"
    )
    return CompletionRequest(
        messages=(Message("user", prompt),),
        task="validate",
        max_tokens=48,
        json_schema=SCHEMA,
        document_id="doc-1",
        prompt_version=prompt_version,
        escalation=escalation,
    )


def _gateway(
    sessions: SessionFactory,
    local: FaultProxy,
    api: FaultProxy,
    local_read_timeout_s: float = 60.0,
    **overrides: object,
) -> Gateway:
    tiers = {
        "self_hosted": server_tier(
            local.url, "local-gemma", external=False, read_timeout_s=local_read_timeout_s
        ),
        "mid": server_tier(api.url, "api-gemma", external=True),
        "frontier": server_tier(api.url, "api-gemma", external=True, adapter="big"),
    }
    config = gateway_settings(tiers=tiers, **overrides)
    models: dict[str, ChatModel] = {
        name: OpenAICompatibleModel(name, config.tier(name)) for name in tiers
    }
    return make_gateway(sessions, models, config)


def _ledger(sessions: SessionFactory) -> list[ModelCall]:
    with sessions() as session:
        return list(session.scalars(select(ModelCall).order_by(ModelCall.id)))


def _metric(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_low_confidence_clause_is_escalated_redacted_and_audited(
    gateway_dir: Path, local_proxy: FaultProxy, api_proxy: FaultProxy
) -> None:
    sessions = open_sessions(gateway_dir)
    gateway = _gateway(sessions, local_proxy, api_proxy)
    clause = "Notices: Attention: John Smith, 12 Main Street, Boston, MA 02110, jsmith@acme.com."
    completion = bound(gateway).complete(verdict_request(clause, escalation="low confidence"))

    assert completion.tier == "mid"
    assert _metric("lexcrew_escalations_total", tier="mid") >= 1
    VerdictAnswer.model_validate_json(completion.text)
    assert local_proxy.count() == 0 and api_proxy.count("/v1/completions") == 1
    sent = api_proxy.requests[0].body.decode()
    assert "John Smith" not in sent and "jsmith@acme.com" not in sent and "[PERSON_1]" in sent
    [row] = _ledger(sessions)
    assert (row.tier, row.outcome, row.escalation_reason) == ("mid", "ok", "low confidence")
    assert row.cost_usd is not None and row.cost_usd > 0
    with sessions() as session:
        [audit] = session.scalars(select(RedactionAudit)).all()
    assert audit.tier == "mid" and audit.counts["PERSON"] >= 1 and audit.counts["EMAIL"] == 1


@pytest.mark.parametrize(
    "fault", [Fault.status(500, times=3), Fault.drop(times=3), Fault.delay(5.0, times=3)]
)
def test_a_failing_self_hosted_tier_falls_over_to_the_next(
    gateway_dir: Path, local_proxy: FaultProxy, api_proxy: FaultProxy, fault: Fault
) -> None:
    sessions = open_sessions(gateway_dir)
    gateway = _gateway(sessions, local_proxy, api_proxy, local_read_timeout_s=1.0)
    local_proxy.push(fault)
    completion = bound(gateway).complete(verdict_request("governed by the laws of Texas"))

    assert completion.tier == "mid" and completion.fallback_from == ("self_hosted",)
    assert local_proxy.count() == 3  # the bounded retries, then no more
    rows = _ledger(sessions)
    assert [(r.tier, r.outcome) for r in rows] == [("self_hosted", "error"), ("mid", "ok")]


def test_429_with_retry_after_is_retried_on_the_same_tier(
    gateway_dir: Path, local_proxy: FaultProxy, api_proxy: FaultProxy
) -> None:
    sessions = open_sessions(gateway_dir)
    gateway = _gateway(sessions, local_proxy, api_proxy)
    local_proxy.push(Fault.status(429, retry_after=1.0, times=2))
    completion = bound(gateway).complete(verdict_request("governed by the laws of Ohio"))

    assert completion.tier == "self_hosted" and completion.retries == 2
    assert [r.fault for r in local_proxy.requests] == ["status:429", "status:429", None]
    assert api_proxy.count() == 0


def test_local_only_never_sends_a_request_off_the_premises(
    gateway_dir: Path, local_proxy: FaultProxy, api_proxy: FaultProxy
) -> None:
    sessions = open_sessions(gateway_dir)
    gateway = _gateway(sessions, local_proxy, api_proxy)
    private = bound(gateway, workspace_id="ws-private", local_only=True)

    assert private.complete(verdict_request("laws of Utah")).tier == "self_hosted"
    with pytest.raises(ModelUnavailableError):
        private.complete(verdict_request("laws of Utah", escalation="hard category"))
    local_proxy.set_default(Fault.status(503, times=1))
    with pytest.raises(ModelUnavailableError):  # no failover to an external tier either
        private.complete(verdict_request("laws of Iowa"))

    assert api_proxy.count() == 0
    with sessions() as session:
        assert session.scalars(select(RedactionAudit)).all() == []


def test_the_breaker_opens_after_repeated_faults_and_closes_after_a_success(
    gateway_dir: Path, local_proxy: FaultProxy, api_proxy: FaultProxy
) -> None:
    sessions = open_sessions(gateway_dir)
    gateway = _gateway(
        sessions,
        local_proxy,
        api_proxy,
        retry={"attempts": 1, "initial_wait_s": 0.05, "max_wait_s": 0.1},
        breaker={"fail_max": 2, "reset_timeout_s": 1.0},
    )
    # Only the self-hosted tier: the failing calls end at once (no slow fallback answers that
    # could outlast the breaker's pause).
    doc = bound(gateway, local_only=True)
    local_proxy.set_default(Fault.status(500, times=1))
    for n in range(3):
        with pytest.raises(ModelUnavailableError):
            doc.complete(verdict_request(f"laws of state {n}"))
    assert local_proxy.count() == 2  # the third call skipped the open tier
    assert gateway.callers["self_hosted"].state == "open"
    outcomes = [r.outcome for r in _ledger(sessions)]
    assert outcomes[-1] == "breaker_open" and outcomes.count("breaker_open") >= 1

    local_proxy.set_default("forward")
    time.sleep(1.2)
    assert doc.complete(verdict_request("laws of Maine")).tier == "self_hosted"
    assert gateway.callers["self_hosted"].state == "closed"
    assert api_proxy.count() == 0


def test_concurrent_documents_never_overrun_a_budget(
    gateway_dir: Path, local_proxy: FaultProxy, api_proxy: FaultProxy
) -> None:
    sessions = open_sessions(gateway_dir)
    cap = 700
    gateway = _gateway(sessions, local_proxy, api_proxy, budget={"workspace_day_tokens": cap})
    refusals_before = _metric("lexcrew_budget_refusals_total", scope="workspace_day")
    refused: list[BudgetExceededError] = []
    served: list[int] = []
    lock = threading.Lock()

    def review(n: int) -> None:
        try:
            done = bound(gateway, document_id=f"doc-{n}").complete(
                verdict_request(f"governed by the laws of state number {n}")
            )
        except BudgetExceededError as exc:
            with lock:
                refused.append(exc)
        else:
            with lock:
                served.append(done.prompt_tokens + done.completion_tokens)

    threads = [threading.Thread(target=review, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert served and refused and len(served) + len(refused) == 20
    with sessions() as session:
        [counter] = session.scalars(select(BudgetCounter)).all()
    assert counter.reserved_tokens == 0
    assert counter.spent_tokens == sum(served) <= cap
    assert "workspace-day budget" in refused[0].reason
    assert {exc.scope for exc in refused} == {"workspace_day"}
    refusals = _metric("lexcrew_budget_refusals_total", scope="workspace_day") - refusals_before
    assert refusals == len(refused)


def test_a_lora_tier_asks_for_the_adapter_only_on_the_tasks_it_learned(
    local_proxy: FaultProxy,
) -> None:
    # vLLM serves the base model and the LoRA under two names (--lora-modules lexcrew=...).
    tier = TierSettings.model_validate(
        server_tier(
            local_proxy.url,
            "lexcrew",
            external=False,
            base_model="local-gemma",
            adapter="60e041636881",
            adapter_tasks=["extract"],
        )
    )
    model = OpenAICompatibleModel("self_hosted", tier)
    verdict = model.complete(verdict_request("governed by the laws of Texas"))
    value = model.complete(
        replace(verdict_request("governed by the laws of Texas"), task="extract")
    )

    asked = [json.loads(r.body)["model"] for r in local_proxy.requests]
    assert asked == ["local-gemma", "lexcrew"]
    assert (verdict.model, value.model) == ("local-gemma", "lexcrew")  # what the ledger records
    without_base = OpenAICompatibleModel("self_hosted", tier.model_copy(update={"base_model": ""}))
    assert without_base.served_model("validate") == "lexcrew"  # one name serves every task
    # What the review asks before it puts the validator's question to this tier.
    assert model.on_base_weights("validate") and not model.on_base_weights("extract")
    # Without a base model but with an adapter (llama.cpp's server puts its --lora_path on every
    # task), the validator's question still meets weights trained only for the extractor.
    assert without_base.on_base_weights("validate") and not without_base.on_base_weights("extract")
    plain = tier.model_copy(update={"base_model": "", "adapter": ""})
    assert not OpenAICompatibleModel("self_hosted", plain).on_base_weights("validate")
