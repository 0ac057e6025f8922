from __future__ import annotations

from pathlib import Path

from app.config import ModelSettings, Settings
from app.finetune.gate import beats
from app.finetune.registry import adapter_in_use, packaged_adapter, register


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


def test_a_new_adapter_must_answer_strictly_better() -> None:
    def run(score: float | None, informed: float | None = 0.2) -> dict[str, object]:
        return {"validator": {"accuracy_over_asked": score, "informedness": informed}}

    assert beats(run(0.6), run(0.5))
    assert not beats(run(0.5), run(0.5))
    assert not beats(run(0.4), run(0.5))
    assert beats(run(0.1), run(None))
    assert not beats(run(None), run(0.1))
    # More answers, but little better than a coin: not registered.
    assert not beats(run(0.6, informed=0.0), run(0.1))
    assert not beats(run(0.6, informed=0.05), run(0.1))
    assert not beats(run(0.6, informed=None), run(0.1))
