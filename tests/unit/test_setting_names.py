from __future__ import annotations

from app.config import unknown_variables


def test_variables_that_name_no_setting_are_found_and_the_rest_are_not() -> None:
    known = {
        "LEXCREW_DATA_DIR": "/d",
        "LEXCREW_REDIS_URL": "redis://",
        "LEXCREW_EXTRACTION__BASE_WEIGHT_TASKS": '["validate"]',
        "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__ADAPTER_TASKS": '["extract"]',
        "LEXCREW_GATEWAY__TIERS__MY_OWN_TIER__MODEL": "gpt",  # a tier of any name
        "LEXCREW_MODEL__LORA_PATH": "/a.gguf",  # an optional path
        "LEXCREW_GATEWAY__TIERS": "{}",  # a whole nested value as JSON
        "PATH": "/usr/bin",  # not ours
    }
    mistyped = {
        "LEXCREW_DATA_DIRR": "/d",
        "LEXCREW_EXTRACTON__THRESHOLD_SCALE": "0.5",
        "LEXCREW_GATEWAY__TIERS__SELF_HOSTED__PROVDER": "openai",
        "LEXCREW_MODEL__LORA_PATH__X": "1",  # below a plain value
    }
    assert unknown_variables({**known, **mistyped}) == sorted(mistyped)
    assert unknown_variables(known) == []
