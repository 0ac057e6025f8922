from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest
from safetensors.numpy import save_file

from app.errors import ConfigurationError
from app.finetune.lora import FinetuneConfig, _weights, run_version, write_gguf_lora


def _peft(folder: Path, tensors: dict[str, np.ndarray]) -> Path:
    folder.mkdir()
    save_file(tensors, str(folder / "adapter_model.safetensors"))
    return folder


def test_peft_lora_tensors_get_llama_cpp_names_shapes_and_alpha(tmp_path: Path) -> None:
    prefix = "base_model.model.model.layers"
    a = np.arange(8 * 640, dtype=np.float32).reshape(8, 640)
    b = np.ones((1024, 8), dtype=np.float32)
    peft = _peft(
        tmp_path / "peft",
        {
            f"{prefix}.3.self_attn.q_proj.lora_A.weight": a,
            f"{prefix}.3.self_attn.q_proj.lora_B.weight": b,
            f"{prefix}.0.self_attn.o_proj.lora_A.weight": a,
            f"{prefix}.0.self_attn.o_proj.lora_B.weight": b[:640],
        },
    )
    target = tmp_path / "adapter.gguf"
    write_gguf_lora(peft, target, alpha=16)
    reader = gguf.GGUFReader(str(target))
    fields = {name: reader.fields[name] for name in reader.fields}
    assert bytes(fields["general.type"].parts[-1]).decode() == "adapter"
    assert bytes(fields["adapter.type"].parts[-1]).decode() == "lora"
    assert float(fields["adapter.lora.alpha"].parts[-1][0]) == 16.0
    tensors = {t.name: t for t in reader.tensors}
    assert set(tensors) == {
        "blk.3.attn_q.weight.lora_a",
        "blk.3.attn_q.weight.lora_b",
        "blk.0.attn_output.weight.lora_a",
        "blk.0.attn_output.weight.lora_b",
    }
    # GGUF lists dimensions innermost first: A (rank, in) -> [in, rank].
    assert list(tensors["blk.3.attn_q.weight.lora_a"].shape) == [640, 8]
    assert list(tensors["blk.3.attn_q.weight.lora_b"].shape) == [8, 1024]
    assert np.array_equal(np.asarray(tensors["blk.3.attn_q.weight.lora_a"].data), a)


def test_an_adapter_on_other_layers_is_refused(tmp_path: Path) -> None:
    peft = _peft(
        tmp_path / "peft",
        {"base_model.model.model.layers.0.mlp.up_proj.lora_A.weight": np.ones((8, 4), np.float32)},
    )
    with pytest.raises(ConfigurationError, match="unexpected adapter tensor"):
        write_gguf_lora(peft, tmp_path / "x.gguf", alpha=16)


def test_the_version_follows_data_base_model_and_config() -> None:
    config = FinetuneConfig()
    first = run_version("data", "base", config)
    assert first == run_version("data", "base", FinetuneConfig())
    assert first != run_version("other data", "base", config)
    assert first != run_version("data", "other base", config)
    assert first != run_version("data", "base", FinetuneConfig(steps=config.steps + 1))


class _Tokens:
    """Decodes token ids from a fixed table, like a tokenizer would."""

    def __init__(self) -> None:
        self.table = {1: '{"verdicts":[{"id":"c1","verdict":"', 2: "yes", 3: '"},{"', 4: " no"}
        self.table[5] = "nothing"

    def decode(self, ids: list[int]) -> str:
        return "".join(self.table[i] for i in ids)


def test_the_label_words_weigh_more_in_the_loss() -> None:
    assert _weights(_Tokens(), [1, 2, 3, 4, 5], 5.0) == [1.0, 5.0, 1.0, 5.0, 1.0]
