"""Tier settings from the environment: one field changes that field, nothing else."""

from __future__ import annotations

import pytest

from app.config import Settings


def test_one_field_of_a_tier_keeps_the_tiers_other_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEXCREW_GATEWAY__TIERS__SELF_HOSTED__MAX_TOKENS", "100")
    monkeypatch.setenv("LEXCREW_GATEWAY__TIERS__MID__MODEL", "claude-x")
    gateway = Settings().gateway
    local = gateway.tier("self_hosted")
    # Still the in-process model on the premises, not an external API tier waiting for a key.
    assert (local.provider, local.external, local.requires_key) == ("llamacpp", False, False)
    assert local.max_tokens == 100
    assert (gateway.tier("mid").model, gateway.tier("mid").provider) == ("claude-x", "openai")
    assert gateway.tier("frontier").provider == "openai"  # a tier not configured: defaults


def test_a_lora_tier_names_the_base_model_and_the_adapters_tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEXCREW_GATEWAY__TIERS__SELF_HOSTED__PROVIDER", "openai")
    monkeypatch.setenv("LEXCREW_GATEWAY__TIERS__SELF_HOSTED__BASE_MODEL", "gemma-3-270m")
    monkeypatch.setenv(
        "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__ADAPTER_TASKS", '["extract", "validate"]'
    )
    local = Settings().gateway.tier("self_hosted")
    assert (local.base_model, local.adapter_tasks) == ("gemma-3-270m", ("extract", "validate"))
    monkeypatch.setenv("LEXCREW_GATEWAY__TIERS__SELF_HOSTED__ADAPTER_TASKS", '["sing"]')
    with pytest.raises(ValueError, match="adapter_tasks"):
        Settings()
