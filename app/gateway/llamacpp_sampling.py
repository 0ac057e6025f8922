"""Greedy grammar-constrained sampling that checks the grammar on one token, not the vocabulary.

llama-cpp-python applies a JSON grammar to every candidate token before picking one: Gemma's
262,144 tokens, each decoded and matched against the grammar's stacks, for every token
generated (about 0.1 s a token on this machine, 40% of an extractor call; bench/llamacpp.py).
Under greedy decoding the answer is the highest-scoring token the grammar allows, so it is
enough to try the highest-scoring token first: when the grammar allows it (nearly always, once
a model follows the format), it is the answer; only when it does not does the grammar filter
the whole vocabulary. The tokens chosen are the same; llama.cpp's own `common_sampler` does the
same ("grammar_first" off).
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import numpy as np


def grammar_last_sampler(llama: Any, grammar: Any) -> Any:
    """A sampler chain for greedy decoding under `grammar`: best token first, grammar check on
    it alone, the full grammar filter only when that token is not allowed."""
    import llama_cpp
    from llama_cpp import _internals

    sampler = _internals.LlamaSampler()  # type: ignore[no-untyped-call]
    grammar_sampler: list[Any] = []  # set once the chain holds it, below

    def best_if_allowed(candidates: Any) -> None:
        array = candidates.contents
        data = np.ctypeslib.as_array(array.data, shape=(array.size,))
        best = data[int(np.argmax(data["logit"]))]
        token = llama_cpp.llama_token_data(int(best["id"]), float(best["logit"]), 0.0)
        one = llama_cpp.llama_token_data_array(
            data=ctypes.pointer(token), size=1, selected=-1, sorted=False
        )
        llama_cpp.llama_sampler_apply(grammar_sampler[0], ctypes.byref(one))
        if math.isinf(token.logit):
            return  # not allowed here: the grammar filters every candidate next
        array.data[0] = token
        array.size = 1
        array.selected = -1
        array.sorted = False

    sampler.add_custom(best_if_allowed)
    sampler.add_grammar(llama._model, grammar)
    grammar_sampler.append(llama_cpp.llama_sampler_chain_get(sampler.sampler, 1))
    sampler.add_greedy()  # type: ignore[no-untyped-call]
    return sampler
