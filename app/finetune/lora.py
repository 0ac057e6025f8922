"""LoRA training of the self-hosted model on CPU, and the adapter in both serving formats.

transformers loads the same GGUF llama.cpp serves (dequantised to fp32); peft adds LoRA on the
attention projections; the loss counts the answer tokens only, and only their logits are
computed (Gemma's 262k-token vocabulary makes full logits the largest cost, OFFLINE.md). The
adapter is written in PEFT format (for vLLM's --lora-modules) and as a GGUF LoRA (for
llama.cpp's lora_path), with a manifest that makes the run reproducible: seed, config, the
hashes of the data and the base model, the losses.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.errors import ConfigurationError
from app.finetune.examples import Example

TRAINER_VERSION = "1"
GGUF_NAME = "lexcrew-lora.gguf"
PEFT_DIR = "peft"
MANIFEST = "finetune.json"
_PROJECTIONS = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output"}
_LORA_KEY = re.compile(r"layers\.(\d+)\.self_attn\.(\w+)\.lora_([AB])\.weight$")


@dataclass(frozen=True)
class FinetuneConfig:
    """Everything that decides the adapter; part of its version."""

    seed: int = 13
    rank: int = 8
    alpha: int = 16
    learning_rate: float = 3e-4
    steps: int = 150
    max_prompt_tokens: int = 1024
    prompts_per_contract: int = 2
    # The answer's yes/no tokens carry the label; the rest is JSON the prompt spells out.
    label_weight: float = 5.0
    targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    # The crew's tasks the adapter learns (`app.finetune.examples.TASKS`). The extractor's by
    # default: adapters trained on the validator's yes/no learned its format, not its judgement
    # (README, "Fine-tuning the self-hosted model").
    tasks: tuple[str, ...] = ("extract",)


@dataclass
class TrainResult:
    """What a run produced: where, its version and how the loss went."""

    folder: Path
    version: str
    losses: list[float] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def examples_sha(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(example.to_json().encode("utf-8"))
    return digest.hexdigest()


def run_version(data_sha: str, base_sha: str, config: FinetuneConfig) -> str:
    """The adapter's version: a hash of its data, base model, config and trainer."""
    text = json.dumps(
        [data_sha, base_sha, asdict(config), TRAINER_VERSION], sort_keys=True, default=list
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _load(gguf: Path) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    return tokenizer, model


def _encode(tokenizer: Any, example: Example, limit: int) -> tuple[list[int], list[int]]:
    prompt = tokenizer(example.prompt, add_special_tokens=True)["input_ids"]
    answer = tokenizer(example.answer, add_special_tokens=False)["input_ids"]
    answer = [*answer, tokenizer.eos_token_id]
    if len(prompt) > limit:  # as llama.cpp does: keep the head and the tail
        head = limit // 2
        prompt = prompt[:head] + prompt[len(prompt) - (limit - head) :]
    return prompt, answer


_LABEL_WORDS = frozenset({"yes", "no"})


def _weights(tokenizer: Any, answer: list[int], label_weight: float) -> list[float]:
    """Weight of each answer token in the loss: the label words count `label_weight` times."""
    return [
        label_weight if tokenizer.decode([t]).strip(' "').lower() in _LABEL_WORDS else 1.0
        for t in answer
    ]


def train_adapter(
    examples: Sequence[Example],
    gguf: Path,
    out: Path,
    config: FinetuneConfig,
    data_sha: str,
    log: Callable[[str], None] = print,
) -> TrainResult:
    """Train a LoRA adapter on the examples and write it in PEFT and GGUF form under `out`."""
    import torch
    from peft import LoraConfig, get_peft_model

    if not examples:
        raise ConfigurationError("no training examples")
    started = time.perf_counter()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    base_sha = sha256_of(gguf)
    version = run_version(data_sha, base_sha, config)
    tokenizer, model = _load(gguf)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        target_modules=list(config.targets),
        lora_dropout=0.0,
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, lora)
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate)
    order = list(range(len(examples)))
    random.Random(config.seed).shuffle(order)
    peft_model.train()
    losses: list[float] = []
    for step in range(config.steps):
        example = examples[order[step % len(order)]]
        prompt, answer = _encode(tokenizer, example, config.max_prompt_tokens)
        ids = torch.tensor([prompt + answer])
        logits = peft_model(input_ids=ids, logits_to_keep=len(answer) + 1).logits[0, :-1]
        each = torch.nn.functional.cross_entropy(logits, torch.tensor(answer), reduction="none")
        weights = torch.tensor(_weights(tokenizer, answer, config.label_weight))
        loss = (each * weights).sum() / weights.sum()
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss.item()))
        if (step + 1) % 10 == 0 or step == 0:
            recent = sum(losses[-10:]) / len(losses[-10:])
            seconds = time.perf_counter() - started
            log(f"step {step + 1}/{config.steps}: loss {recent:.4f} ({seconds:.0f} s)")
    folder = out / version
    folder.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(str(folder / PEFT_DIR))
    write_gguf_lora(folder / PEFT_DIR, folder / GGUF_NAME, config.alpha)
    manifest = {
        "version": version,
        "trainer_version": TRAINER_VERSION,
        "config": asdict(config),
        "data_sha256": data_sha,
        "base_model": {"file": gguf.name, "sha256": base_sha},
        "examples": len(examples),
        "tasks": sorted({e.task for e in examples}),
        "loss_first_10": round(float(np.mean(losses[:10])), 4),
        "loss_last_10": round(float(np.mean(losses[-10:])), 4),
        "train_seconds": round(time.perf_counter() - started, 1),
        "license": "Gemma terms of use (base model); trained on CUAD v1 (CC BY 4.0)",
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return TrainResult(folder, version, losses)


def write_gguf_lora(peft_dir: Path, target: Path, alpha: float) -> None:
    """Write a PEFT LoRA of Gemma 3's attention projections as a llama.cpp GGUF adapter.

    llama.cpp names the tensors `blk.N.attn_q.weight.lora_a` / `.lora_b`; A is (rank, in) and
    B is (out, rank) as PEFT stores them; Gemma's projections need no permutation.
    """
    import gguf
    from safetensors.numpy import load_file

    tensors = load_file(str(peft_dir / "adapter_model.safetensors"))
    writer = gguf.GGUFWriter(str(target), "gemma3")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    for key in sorted(tensors):
        match = _LORA_KEY.search(key)
        if match is None or match.group(2) not in _PROJECTIONS:
            raise ConfigurationError(f"unexpected adapter tensor {key}")
        layer, projection, part = match.groups()
        name = f"blk.{layer}.{_PROJECTIONS[projection]}.weight.lora_{part.lower()}"
        writer.add_tensor(name, tensors[key].astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
