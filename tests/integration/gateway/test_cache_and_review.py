"""The semantic cache on a real embedder and Qdrant, and a whole review with a tier down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.bootstrap import build_service
from app.config import Settings
from app.gateway.openai_provider import OpenAICompatibleModel
from app.gateway.protocol import ChatModel
from app.ingestion.embedder import EMBEDDING_DIM, MiniLMEmbedder
from app.review.service import Requester
from app.storage.models import ModelCall
from app.vectorstore.qdrant_local import QdrantStore
from tests.integration.gateway.conftest import server_tier
from tests.integration.gateway.test_tiers import verdict_request
from tests.support.faultproxy import FaultProxy
from tests.support.gateway import bound, gateway_settings, make_gateway, open_sessions

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QdrantStore]:
    store = QdrantStore.local(tmp_path / "qdrant", EMBEDDING_DIM)
    yield store
    store.close()


def test_near_identical_prompts_share_entries_only_within_a_workspace(
    tmp_path: Path, local_proxy: FaultProxy, embedder: MiniLMEmbedder, store: QdrantStore
) -> None:
    sessions = open_sessions(tmp_path)
    tier = server_tier(local_proxy.url, "local-gemma", external=False)
    config = gateway_settings(tiers={"self_hosted": tier})
    models: dict[str, ChatModel] = {
        "self_hosted": OpenAICompatibleModel("self_hosted", config.tier("self_hosted"))
    }
    gateway = make_gateway(
        sessions, models, config, store.cache_index(EMBEDDING_DIM), embedder.embed
    )
    clause = "This Agreement shall be governed by the laws of the State of New York."
    near = "This Agreement shall be governed by the laws of the State of New York, USA."

    first = bound(gateway, workspace_id="ws-a").complete(verdict_request(clause))
    assert not first.cache_hit and local_proxy.count() == 1
    again = bound(gateway, workspace_id="ws-a").complete(verdict_request(clause))
    similar = bound(gateway, workspace_id="ws-a").complete(verdict_request(near))
    assert again.cache_hit and similar.cache_hit and local_proxy.count() == 1
    assert similar.text == first.text

    other = bound(gateway, workspace_id="ws-b").complete(verdict_request(near))
    assert not other.cache_hit and local_proxy.count() == 2  # never another workspace's entry

    bumped = verdict_request(clause, prompt_version="validator@2")
    assert not bound(gateway, workspace_id="ws-a").complete(bumped).cache_hit
    assert local_proxy.count() == 3  # a new prompt version starts an empty partition

    with sessions() as session:
        hits = [r.cache_hit for r in session.scalars(select(ModelCall).order_by(ModelCall.id))]
    assert hits == [False, True, True, False, False]


def test_a_review_completes_when_the_mid_tier_is_unreachable(
    tmp_path: Path, api_proxy: FaultProxy, sample_bytes: bytes
) -> None:
    with FaultProxy(None) as dead:  # answers nothing: every request is dropped
        dead.set_default("drop")
        settings = Settings.model_validate(
            {
                "data_dir": tmp_path,
                # The judge would go to frontier too: this test counts escalations only.
                "extraction": {"judge_sample_rate": 0.0},
                "gateway": {
                    "tiers": {
                        "self_hosted": {
                            "provider": "llamacpp",
                            "external": False,
                            "requires_key": False,
                        },
                        "mid": server_tier(dead.url, "mid-model", external=True),
                        "frontier": server_tier(api_proxy.url, "api-gemma", external=True),
                    },
                    "escalate_below": 0.99,  # make sure some clause is escalated
                    "max_escalations": 4,
                    "retry": {"attempts": 2, "initial_wait_s": 0.05, "max_wait_s": 0.1},
                },
            }
        )
        service, store = build_service(settings)
        try:
            report = service.review(sample_bytes, "agency.pdf", Requester("ws-x", False))
            sessions = service.parts.sessions
        finally:
            service.close()
            store.close()

    assert report.status == "completed"
    escalated = [c for c in report.clauses if c.escalated]
    assert escalated and {c.tier for c in escalated} == {"frontier"}
    assert all(c.checks["escalation"] for c in escalated)
    assert report.usage.failed_calls >= 1 and report.usage.escalated_calls == 1
    with sessions() as session:
        rows = list(session.scalars(select(ModelCall).where(ModelCall.workspace_id == "ws-x")))
    outcomes = {(r.tier, r.outcome) for r in rows if r.escalation_reason}
    assert ("mid", "error") in outcomes and ("frontier", "ok") in outcomes
    assert dead.count() == 2  # both bounded attempts reached the (dead) mid tier
    assert api_proxy.count() == 1


def test_a_budget_cap_ends_the_review_as_budget_exceeded_with_what_was_done(
    tmp_path: Path, sample_bytes: bytes
) -> None:
    settings = Settings.model_validate(
        {"data_dir": tmp_path, "gateway": {"budget": {"document_tokens": 600}}}
    )
    service, store = build_service(settings)
    try:
        report = service.review(sample_bytes, "agency.pdf")
    finally:
        service.close()
        store.close()

    assert report.status == "budget_exceeded"
    # The extractor's one call (about 830 tokens) does not fit.
    assert report.summary.memo.startswith("STOPPED: the document budget (600 tokens)")
    assert report.clauses  # the clause model's findings are kept, marked unchecked
    assert report.usage.prompt_tokens + report.usage.completion_tokens <= 600


def test_the_judge_runs_above_the_self_hosted_tier_in_both_statement_orders(
    tmp_path: Path, local_proxy: FaultProxy, api_proxy: FaultProxy, sample_bytes: bytes
) -> None:
    settings = Settings.model_validate(
        {
            "data_dir": tmp_path,
            "extraction": {"judge_sample_rate": 1.0, "judge_max_per_document": 3},
            "gateway": {
                "tiers": {
                    "self_hosted": server_tier(local_proxy.url, "local-gemma", external=False),
                    "frontier": server_tier(api_proxy.url, "api-gemma", external=True),
                },
                "escalate_below": 0.0,  # no escalation: the API tier sees the judge only
                "hard_categories": [],
            },
        }
    )
    service, store = build_service(settings)
    try:
        report = service.review(sample_bytes, "agency.pdf", Requester("ws-j", local_only=False))
        private = service.review(sample_bytes, "agency.pdf", Requester("ws-k", local_only=True))
    finally:
        service.close()
        store.close()

    judged = [c for c in report.clauses if "judge" in c.checks]
    assert len(judged) == 3
    for clause in judged:
        assert clause.checks["judge"] in {"correct", "incorrect", "inconsistent", "no_answer"}
        assert clause.checks["judge_tier"] == "frontier"
    first, second = (r.body.decode() for r in api_proxy.requests)
    ident, category = judged[0].id, judged[0].category
    assert f"[{ident}] A: this text is a {category} clause." in first
    assert f"[{ident}] A: this text is not a {category} clause." in second
    assert api_proxy.count() == 2  # both orders, nothing else left the premises
    # A local-only workspace has no tier above the self-hosted model: the judge says so.
    notes = {c.checks.get("judge") for c in private.clauses if "judge" in c.checks}
    assert notes == {"not_done: no tier above self_hosted is allowed for this workspace"}
