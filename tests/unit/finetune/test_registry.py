from __future__ import annotations

import json
from pathlib import Path

from app.config import ModelSettings, Settings
from app.finetune.gate import EVIDENCE, beats
from app.finetune.lora import MANIFEST
from app.finetune.registry import adapter_in_use, adapter_tasks, packaged_adapter, register

ROOT = Path(__file__).resolve().parents[3]


def _settings(tmp_path: Path, **model: object) -> Settings:
    return Settings(data_dir=tmp_path, model=ModelSettings(**model))


def test_the_adapter_in_use_is_the_setting_then_the_registered_then_the_shipped(
    tmp_path: Path,
) -> None:
    assert adapter_in_use(_settings(tmp_path)) == packaged_adapter()
    folder = tmp_path / "adapters" / "abc123"
    folder.mkdir(parents=True)
    (folder / "lexcrew-lora.gguf").write_bytes(b"GGUF")
    register(_settings(tmp_path), folder, {"version": "abc123"})
    assert adapter_in_use(_settings(tmp_path)) == folder / "lexcrew-lora.gguf"
    chosen = tmp_path / "mine.gguf"
    assert adapter_in_use(_settings(tmp_path, lora_path=chosen)) == chosen
    assert adapter_in_use(_settings(tmp_path, lora_path=chosen, use_adapter=False)) is None


def test_a_registered_adapter_that_was_deleted_falls_back_to_the_shipped_one(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "adapters" / "gone"
    register(_settings(tmp_path), folder, {})
    assert adapter_in_use(_settings(tmp_path)) == packaged_adapter()


def _run(
    validator: float | None, informed: float | None = 0.2, extractor: float | None = None
) -> dict[str, object]:
    return {
        "validator": {"accuracy_over_asked": validator, "informedness": informed},
        "extractor": {"accuracy_over_asked": extractor},
    }


def test_a_new_validator_must_answer_strictly_better_and_beat_a_coin() -> None:
    tasks = ("validate",)
    assert beats(_run(0.6), _run(0.5), tasks)
    assert not beats(_run(0.5), _run(0.5), tasks)
    assert not beats(_run(0.4), _run(0.5), tasks)
    assert beats(_run(0.1), _run(None), tasks)
    assert not beats(_run(None), _run(0.1), tasks)
    # More answers, but little better than a coin: not registered.
    assert not beats(_run(0.6, informed=0.0), _run(0.1), tasks)
    assert not beats(_run(0.6, informed=0.05), _run(0.1), tasks)
    assert not beats(_run(0.6, informed=None), _run(0.1), tasks)


def test_an_adapter_wins_on_the_tasks_it_learned_and_loses_nothing_on_the_others() -> None:
    tasks = ("extract",)
    assert beats(_run(0.1, extractor=0.7), _run(0.1, extractor=0.2), tasks)
    assert not beats(_run(0.1, extractor=0.2), _run(0.1, extractor=0.2), tasks)
    assert not beats(_run(None, extractor=0.7), _run(None, extractor=None), ("validate",))
    # Better values, but a worse validator: not registered; a question or two is noise.
    assert not beats(_run(0.05, extractor=0.7), _run(0.1, extractor=0.2), tasks)
    assert beats(_run(0.0, extractor=0.7), _run(0.005, extractor=0.2), tasks)
    # An untrained validator need not beat a coin; it only must not get worse.
    assert beats(_run(0.1, informed=None, extractor=0.7), _run(0.1, extractor=0.2), tasks)
    # Nothing learned (the base model as candidate): nothing to win.
    assert not beats(_run(0.6, extractor=0.7), _run(0.1, extractor=0.2), ())


def test_the_package_ships_the_extractor_adapter_with_the_gates_evidence() -> None:
    shipped = packaged_adapter()
    assert shipped is not None and shipped.read_bytes()[:4] == b"GGUF"
    assert adapter_tasks(shipped) == ("extract",)  # the validator runs on the base weights
    manifest = json.loads((shipped.parent / MANIFEST).read_text(encoding="utf-8"))
    evidence = json.loads((shipped.parent / EVIDENCE).read_text(encoding="utf-8"))
    assert manifest["version"] in evidence["new"]["adapter"]
    assert beats(evidence["new"], evidence["current"], tuple(evidence["trained_for"]))
    # The peft copy vLLM serves (deploy/adapters/lexcrew) is the same adapter: same rank.
    peft = ROOT / "deploy" / "adapters" / "lexcrew" / "adapter_config.json"
    assert json.loads(peft.read_text(encoding="utf-8"))["r"] == manifest["config"]["rank"]


def test_an_adapter_without_a_manifest_serves_every_task(tmp_path: Path) -> None:
    gguf = tmp_path / "lexcrew-lora.gguf"
    gguf.write_bytes(b"GGUF")
    assert adapter_tasks(gguf) is None and adapter_tasks(None) is None
    (tmp_path / MANIFEST).write_text(json.dumps({"tasks": ["extract", "validate"]}))
    assert adapter_tasks(gguf) == ("extract", "validate")
