"""The in-process model's grammar-constrained answers are llama-cpp-python's own, token for
token: checking the grammar on the best token first changes the speed, not the answer."""

from __future__ import annotations

import json

import pytest
from llama_cpp import Llama
from llama_cpp.llama_grammar import LlamaGrammar
from pydantic import BaseModel

from app.config import Settings
from app.gateway.llamacpp import LlamaCppModel
from app.gateway.model_files import ensure_gguf
from app.gateway.prompt_format import to_completion_prompt
from app.gateway.types import CompletionRequest, Message, TaskKind
from app.review.crew_plan import NormalizationAnswer, VerdictAnswer

pytestmark = pytest.mark.integration

CLAUSES = (
    "<contract_text>\n"
    "[c1] Parties: This Supply Agreement is made by ACME Widgets, Inc., a Delaware corporation "
    '("Supplier"), and Northwind Traders LLC ("Buyer").\n'
    "[c2] Governing Law: This Agreement is governed by the laws of the State of Ohio.\n"
    "</contract_text>"
)
ASKS = [
    ("extract", NormalizationAnswer, "Give the value words of each clause, verbatim, as JSON."),
    ("validate", VerdictAnswer, "Does each clause belong to its category? yes or no per id."),
]


@pytest.mark.parametrize(("task", "answer", "ask"), ASKS)
def test_answers_match_llama_cpp_pythons_full_grammar_sampling(
    llama: LlamaCppModel, settings: Settings, task: TaskKind, answer: type[BaseModel], ask: str
) -> None:
    schema = json.dumps(answer.model_json_schema())
    messages = (Message("user", f"{ask}\n{CLAUSES}"),)
    request = CompletionRequest(messages, task, max_tokens=48, json_schema=schema)
    ours = llama.complete(request)

    stock = Llama(
        model_path=str(ensure_gguf(settings)),
        n_ctx=settings.model.n_ctx,
        n_threads=settings.model.n_threads,
        seed=settings.model.seed,
        verbose=False,
    )
    tokens = stock.tokenize(to_completion_prompt(messages).encode("utf-8"), add_bos=True)
    grammar = LlamaGrammar.from_json_schema(schema, verbose=False)
    theirs = stock.create_completion(
        prompt=tokens, max_tokens=48, temperature=0.0, seed=settings.model.seed, grammar=grammar
    )
    assert ours.text == theirs["choices"][0]["text"]  # type: ignore[index]
    assert ours.completion_tokens == theirs["usage"]["completion_tokens"]  # type: ignore[index]
    assert ours.text.startswith("{")
