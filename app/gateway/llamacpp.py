"""Self-hosted provider: llama.cpp in-process (the embedded default)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, cast

from app.config import ModelSettings
from app.errors import ModelUnavailableError
from app.gateway.prompt_format import to_completion_prompt
from app.gateway.types import Completion, CompletionRequest


def gbnf_for_schema(schema: str) -> str:
    """Translate a JSON schema into a GBNF grammar (for llama.cpp servers)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return str(json_schema_to_gbnf(schema))


class LlamaCppModel:
    """A GGUF model (plus optional LoRA) run by llama-cpp-python; one call at a time."""

    def __init__(self, gguf: Path, settings: ModelSettings, tier: str = "self_hosted") -> None:
        from llama_cpp import Llama

        self.tier = tier
        self._settings = settings
        self._lock = threading.Lock()
        try:
            self._llama = Llama(
                model_path=str(gguf),
                lora_path=str(settings.lora_path) if settings.lora_path else None,
                n_ctx=settings.n_ctx,
                n_threads=settings.n_threads,
                seed=settings.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelUnavailableError(f"cannot load model {gguf.name}: {exc}") from exc
        self._grammars: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self._settings.name

    def _grammar(self, schema: str | None) -> Any:
        if schema is None:
            return None
        if schema not in self._grammars:
            from llama_cpp.llama_grammar import LlamaGrammar

            self._grammars[schema] = LlamaGrammar.from_json_schema(schema, verbose=False)
        return self._grammars[schema]

    def _fit_prompt(self, prompt: str, max_tokens: int) -> list[int]:
        tokens: list[int] = self._llama.tokenize(prompt.encode("utf-8"), add_bos=True)
        budget = self._settings.n_ctx - max_tokens - 8
        if len(tokens) > budget:
            # Keep the head (instructions) and the tail (the answer cue); drop the middle.
            head = budget // 2
            tokens = tokens[:head] + tokens[len(tokens) - (budget - head) :]
        return tokens

    def complete(self, request: CompletionRequest) -> Completion:
        """Run one completion, grammar-constrained when the request carries a JSON schema."""
        max_tokens = min(request.max_tokens, self._settings.max_tokens)
        prompt = to_completion_prompt(request.messages)
        started = time.perf_counter()
        with self._lock:
            tokens = self._fit_prompt(prompt, max_tokens)
            try:
                raw = self._llama.create_completion(
                    prompt=tokens,
                    max_tokens=max_tokens,
                    temperature=self._settings.temperature,
                    seed=self._settings.seed,
                    stop=list(request.stop) or None,
                    grammar=self._grammar(request.json_schema),
                )
            except (ValueError, RuntimeError) as exc:
                raise ModelUnavailableError(f"llama.cpp failed: {exc}") from exc
        result = cast("dict[str, Any]", raw)  # not streaming: one response, not an iterator
        choice = result["choices"][0]
        usage = result["usage"]
        return Completion(
            text=choice["text"],
            model=self.name,
            tier=self.tier,
            prompt_tokens=int(usage["prompt_tokens"]),
            completion_tokens=int(usage["completion_tokens"]),
            latency_s=time.perf_counter() - started,
            finish_reason=str(choice.get("finish_reason") or "stop"),
        )
