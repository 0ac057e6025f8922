"""Experiment: do MiniLM unit embeddings beside TF-IDF raise the clause model's CV on train?

Each unit of CUAD train gets its all-MiniLM-L6-v2 vector (128 word pieces), scaled by alpha
and appended to the clause model's TF-IDF features; the same 3-fold cross-validation as
`lexcrew train-models` (clause model, then rescorer) gives the clause F1 to compare. Train
only, never dev. About 16 minutes to embed on 2 cores, then 1-9 minutes per alpha.

    .venv/bin/python bench/embedding_features.py 0 0.5 1
    .venv/bin/python bench/embedding_features.py --contracts 20 0 0.5   # a quick look
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from app.config import Settings
from app.extraction.categories import category_names
from app.extraction.clause_model import VECTORIZER_PARAMS
from app.extraction.phrases import GENERATORS
from app.extraction.training import TrainConfig, build_dataset, cross_validate, read_contracts
from app.ingestion.segment import sentence_spans
from app.offline import apply_offline_environment

TRAIN = Path("../shared/cuad/train.jsonl.gz")


def main(alphas: list[float], limit: int | None) -> None:
    apply_offline_environment(Settings())
    shown = " ".join(map(str, alphas))
    subset = f"--contracts {limit} " if limit else ""
    print(f"$ .venv/bin/python bench/embedding_features.py {subset}{shown}", flush=True)
    config = TrainConfig()
    contracts = list(read_contracts(TRAIN))[:limit]
    categories = category_names()
    data = build_dataset(contracts, categories, config.tags)
    from app.ingestion.embedder import MiniLMEmbedder  # after the offline environment

    embedder = MiniLMEmbedder(threads=2)
    embedder._model.max_seq_length = 128
    started = time.perf_counter()
    raw = [c.text[s:e] for c in contracts for s, e in sentence_spans(c.text)]
    vectors = embedder.embed(raw)
    print(f"embedded {len(raw)} units in {time.perf_counter() - started:.0f} s", flush=True)
    tfidf = TfidfVectorizer(**VECTORIZER_PARAMS).fit_transform(data.texts)
    columns = [j for j, c in enumerate(categories) if c not in GENERATORS]
    for alpha in alphas:
        started = time.perf_counter()
        features = tfidf
        if alpha:
            features = sparse.hstack([tfidf, sparse.csr_matrix(vectors * alpha)]).tocsr()
        cv = cross_validate(contracts, data, features, config, log=lambda _: None)
        unit_f1 = float(np.mean([cv.unit_f1[j] for j in columns]))
        seconds = time.perf_counter() - started
        print(
            f"alpha {alpha}: out-of-fold unit F1 {unit_f1:.4f}, "
            f"rescored clause F1 {cv.rescorer_meta['cv_clause_f1']:.4f} ({seconds:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("alphas", nargs="*", type=float, default=[0.0, 0.5, 1.0])
    parser.add_argument("--contracts", type=int, default=None, help="only the first N of train")
    args = parser.parse_args()
    main(args.alphas, args.contracts)
