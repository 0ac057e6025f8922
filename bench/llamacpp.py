"""The in-process model's answer time on the crew's own prompts: llama-cpp-python's grammar
sampling (the grammar run over all 262,144 tokens each step) against lexcrew's (the best token
checked first, `app/gateway/llamacpp_sampling.py`) and against no grammar at all, in one run.

    .venv/bin/python bench/llamacpp.py [--lora ADAPTER.gguf] [--repeat 2]

The prompts are the extractor's and the validator's for the first sample contract, recorded by
the fine-tuning teacher through the real crew (`app.finetune.examples.build_examples`), so they
are what production sends. Each variant answers every prompt `--repeat` times from an empty
prompt cache; the figures are the medians. The answers of the two grammar variants are
compared token for token.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.extraction.training import LabelledContract  # noqa: E402
from app.finetune.examples import build_examples  # noqa: E402
from app.gateway.llamacpp import llama_class  # noqa: E402
from app.gateway.model_files import ensure_gguf  # noqa: E402
from app.offline import apply_offline_environment  # noqa: E402
from app.review.crew_plan import NormalizationAnswer, VerdictAnswer  # noqa: E402

SCHEMAS = {"extract": NormalizationAnswer, "validate": VerdictAnswer}


def crew_prompts(settings: Settings) -> list[tuple[str, str]]:
    path = sorted((ROOT / "samples").glob("*.json"))[0]
    row = json.loads(path.read_text(encoding="utf-8"))
    contract = LabelledContract(row["title"], row["text"], row["labels"], row.get("answers", {}))
    examples = build_examples(
        [contract], settings, seed=7, prompts_per_contract=2, tasks=("extract", "validate")
    )
    return [(e.task, e.prompt) for e in examples]


def answer(llama: Any, prompt: str, grammar: Any, max_tokens: int) -> tuple[float, int, str]:
    llama.reset()
    started = time.perf_counter()
    result = llama.create_completion(
        prompt=prompt, max_tokens=max_tokens, temperature=0.0, seed=13, grammar=grammar
    )
    return (
        time.perf_counter() - started,
        result["usage"]["completion_tokens"],
        result["choices"][0]["text"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lora", type=Path, help="a GGUF LoRA adapter to answer with")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    from llama_cpp import Llama
    from llama_cpp.llama_grammar import LlamaGrammar

    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data))
        settings.ensure_dirs()
        apply_offline_environment(settings)
        prompts = crew_prompts(settings)
        options = {
            "model_path": str(ensure_gguf(settings)),
            "lora_path": str(args.lora) if args.lora else None,
            "n_ctx": settings.model.n_ctx,
            "n_threads": settings.model.n_threads,
            "verbose": False,
        }
        models = {"llama-cpp-python": Llama(**options), "lexcrew": llama_class()(**options)}
        grammars = {
            task: LlamaGrammar.from_json_schema(
                json.dumps(SCHEMAS[task].model_json_schema()), verbose=False
            )
            for task in SCHEMAS
        }
        totals: dict[str, list[float]] = {}
        tokens: dict[str, int] = {}
        texts: dict[str, list[str]] = {}
        variants = [
            ("llama-cpp-python grammar", "llama-cpp-python", True),
            ("lexcrew grammar (best token first)", "lexcrew", True),
            ("no grammar", "llama-cpp-python", False),
        ]
        for label, model, constrained in variants:
            runs = []
            for _ in range(args.repeat):
                seconds, count, outs = 0.0, 0, []
                for task, prompt in prompts:
                    grammar = grammars[task] if constrained else None
                    took, n, text = answer(models[model], prompt, grammar, args.max_tokens)
                    seconds, count = seconds + took, count + n
                    outs.append(text)
                runs.append(seconds)
            totals[label], tokens[label], texts[label] = runs, count, outs
        print(
            f"{len(prompts)} crew prompts ({', '.join(t for t, _ in prompts)}), "
            f"adapter: {args.lora or 'none'}, {settings.model.n_threads} threads, "
            f"median of {args.repeat}"
        )
        print(f"{'variant':<38} {'seconds':>8} {'tokens':>7} {'x stock':>8}")
        stock = statistics.median(totals[variants[0][0]])
        for label, _, _ in variants:
            median = statistics.median(totals[label])
            print(f"{label:<38} {median:>8.2f} {tokens[label]:>7} {median / stock:>8.2f}")
        same = texts[variants[0][0]] == texts[variants[1][0]]
        print(f"grammar answers identical: {same}")
        print("command: .venv/bin/python bench/llamacpp.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
