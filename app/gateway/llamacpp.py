"""Self-hosted provider: llama.cpp in-process (the embedded default)."""

from __future__ import annotations

import ctypes
import functools
import logging
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any, cast

from app.config import ModelSettings
from app.errors import ModelUnavailableError
from app.gateway.llamacpp_sampling import grammar_last_sampler
from app.gateway.prompt_format import to_completion_prompt
from app.gateway.types import Completion, CompletionRequest

log = logging.getLogger("lexcrew.llamacpp")

# ggml_log_level of the llama.cpp that llama-cpp-python 0.3 bundles: 1 debug, 2 info, 3 warn,
# 4 error, 5 continues the previous message. llama-cpp-python's own callback reads an older
# numbering (2 warn, 3 error, 4 debug), so it printed llama.cpp's warnings to stderr as errors
# (a worker logged 18 "cannot use buft 'CPU_REPACK'" lines for the LoRA at every start) and
# dropped its errors. Its errors are for the operator. Its warnings seen here (the LoRA's
# tensors left out of the repacked CPU layout, one line each; the SWA cache; model-file notes)
# ask nothing of anyone, so they go to DEBUG with its info; lexcrew says what it loaded itself.
_GGML_ERROR = 4
_GGML_CONTINUE = 5


class _LlamaLog:
    """llama.cpp's messages on the `lexcrew.llamacpp` logger: errors as errors, the rest DEBUG."""

    def __init__(self) -> None:
        self.last = logging.DEBUG

    def __call__(self, level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
        if level != _GGML_CONTINUE:
            self.last = logging.ERROR if level == _GGML_ERROR else logging.DEBUG
        message = text.decode("utf-8", "replace").strip()
        if message and log.isEnabledFor(self.last):
            log.log(self.last, "llama.cpp: %s", message)


@functools.cache
def route_llama_logs() -> Any:
    """Send llama.cpp's log to `lexcrew.llamacpp` instead of llama-cpp-python's stderr printer
    (for the whole process; returns the C callback, which must stay referenced)."""
    import llama_cpp

    callback = llama_cpp.llama_log_callback(_LlamaLog())
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))
    return callback


def gbnf_for_schema(schema: str) -> str:
    """Translate a JSON schema into a GBNF grammar (for llama.cpp servers)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return str(json_schema_to_gbnf(schema))


@functools.cache
def built_with_amx() -> bool:
    """Whether the installed llama.cpp has its AMX kernels, which crash (a segfault, not an
    error) decoding Gemma 3's Q4_K weights on CPUs that have AMX (ggml-org/llama.cpp#20824)."""
    import llama_cpp

    return "AMX_INT8 = 1" in llama_cpp.llama_print_system_info().decode("utf-8", "replace")


@functools.cache
def llama_class() -> Any:
    """llama-cpp-python's Llama, with greedy JSON answers checked token by token against their
    grammar rather than the grammar run over the whole vocabulary (llamacpp_sampling)."""
    from llama_cpp import Llama

    class _Llama(Llama):
        def _init_sampler(self, **options: Any) -> Any:  # type: ignore[override]
            greedy = options.get("temp") == 0.0 and options.get("logits_processor") is None
            plain = options.get("repeat_penalty", 1.0) == 1.0 and not (
                options.get("frequency_penalty") or options.get("presence_penalty")
            )
            if options.get("grammar") is None or not (greedy and plain):
                return super()._init_sampler(**options)
            return grammar_last_sampler(self, options["grammar"])

    return _Llama


class LlamaCppModel:
    """A GGUF model (plus optional LoRA) run by llama-cpp-python; one call at a time.

    The LoRA serves only `adapter_tasks` (None: every task): an adapter trained for the
    extractor answers the extractor, and the validator's question goes to the base model, as
    vLLM serves the base and the adapter under two model names. No call reuses the previous
    call's prompt cache (see `complete`).
    """

    def __init__(
        self,
        gguf: Path,
        settings: ModelSettings,
        tier: str = "self_hosted",
        adapter_tasks: Collection[str] | None = None,
    ) -> None:
        self.tier = tier
        self._settings = settings
        self._lock = threading.Lock()
        if built_with_amx():
            raise ModelUnavailableError(
                "llama-cpp-python was built with llama.cpp's AMX kernels, which crash on this "
                "model; rebuild it without them: `make clean` then `make run` (the Makefile "
                "sets the compiler flags)"
            )
        route_llama_logs()
        try:
            self._llama = llama_class()(
                model_path=str(gguf),
                n_ctx=settings.n_ctx,
                n_threads=settings.n_threads,
                seed=settings.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelUnavailableError(f"cannot load model {gguf.name}: {exc}") from exc
        self._grammars: dict[str, Any] = {}
        self._adapter = self._load_adapter(settings.lora_path) if settings.lora_path else None
        self.adapter_tasks = frozenset(adapter_tasks) if adapter_tasks is not None else None
        self._adapter_on = False

    def _load_adapter(self, path: Path) -> Any:
        """Load a GGUF LoRA onto the model (llama.cpp frees it with the model)."""
        import llama_cpp

        adapter = llama_cpp.llama_adapter_lora_init(self._llama.model, str(path).encode("utf-8"))
        if not adapter:
            raise ModelUnavailableError(f"cannot load LoRA adapter {path.name}")
        log.info("LoRA adapter %s loaded", path.name)
        return (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)

    def serves_with_adapter(self, task: str) -> bool:
        """Whether this task's calls run with the LoRA."""
        return self._adapter is not None and (
            self.adapter_tasks is None or task in self.adapter_tasks
        )

    def on_base_weights(self, task: str) -> bool:
        """Whether this task is answered without weights trained for it (TunedModel)."""
        return not self.serves_with_adapter(task)

    def _switch_adapter(self, on: bool) -> None:
        """Put the LoRA on or off the context (under the lock)."""
        if on == self._adapter_on:
            return
        import llama_cpp

        if on:
            scales = (ctypes.c_float * 1)(1.0)
            failed = llama_cpp.llama_set_adapters_lora(self._llama.ctx, self._adapter, 1, scales)
        else:
            failed = llama_cpp.llama_set_adapters_lora(self._llama.ctx, None, 0, None)
        if failed:
            raise ModelUnavailableError("llama.cpp could not switch the LoRA adapter")
        self._adapter_on = on

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
            self._switch_adapter(self.serves_with_adapter(request.task))
            # Every prompt is evaluated from its first token. The previous call's cached
            # prefix may come from the other weights (adapter on or off); and even from the
            # same weights, reusing it splits the prompt into other batches, whose logits
            # differ in the last bits, enough to change a greedy answer: the same document
            # got another value depending on what was reviewed before it (seen on CUAD dev).
            self._llama.reset()
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
