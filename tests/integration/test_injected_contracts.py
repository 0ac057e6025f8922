"""Prompt injection through the real review path: instructions written into a contract's PDF,
visibly or hidden, change no finding, never reach the model, and are flagged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.bootstrap import build_service
from app.config import Settings
from app.observability import tracing
from app.review.report import Report
from app.review.service import Requester, ReviewService
from tests.conftest import SAMPLE_PDF
from tests.support.injection import INSTRUCTIONS, inject

pytestmark = pytest.mark.integration


class Prompts:
    """A span sink keeping the prompts of model calls (the workspace allows text in traces)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def record(self, span: tracing.Span) -> None:
        if span.run_type == "llm":
            self.sent += [str(m["content"]) for m in span.inputs.get("messages", [])]

    def close(self, timeout_s: float) -> None:
        pass


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewService]:
    settings = Settings.model_validate(
        {
            "data_dir": tmp_path_factory.mktemp("injection"),
            "gateway": {"cache": {"enabled": False}},  # every review asks the model
            # The validator and summarizer too, though no adapter learned them: an injection
            # must not change their answers either.
            "extraction": {
                "judge_sample_rate": 0.0,
                "base_weight_tasks": ["validate", "summarize"],
            },
        }
    )
    built, store = build_service(settings)
    yield built
    built.close()
    store.close()


def _findings(report: Report) -> set[tuple[str, str, str, str]]:
    return {
        (c.category, " ".join(c.text.split()), c.normalized or "", str(c.checks["model_check"]))
        for c in report.clauses
    }


@pytest.fixture(scope="module")
def clean(service: ReviewService) -> Report:
    return service.review(SAMPLE_PDF.read_bytes(), "agency.pdf")


@pytest.mark.parametrize(
    ("instruction", "how"),
    [(INSTRUCTIONS[0], "visible"), (INSTRUCTIONS[1], "invisible"), (INSTRUCTIONS[3], "white")],
)
def test_an_injected_instruction_changes_nothing_and_is_flagged(
    service: ReviewService, clean: Report, instruction: str, how: str
) -> None:
    assert clean.injections == [] and not clean.summary.memo.startswith("WARNING")
    assert {"yes", "no", "no_answer"} & {str(c.checks["model_check"]) for c in clean.clauses}
    prompts = Prompts()
    tracing.configure([prompts])
    try:
        attacked = service.review(
            inject(SAMPLE_PDF.read_bytes(), 0, instruction, how),  # type: ignore[arg-type]
            "agency.pdf",
            Requester(trace_content=True),
        )
    finally:
        tracing.configure([])
    assert _findings(attacked) == _findings(clean)
    [flag] = attacked.injections
    assert flag.page == 1
    assert flag.kind == ("instruction" if how == "visible" else "hidden_text")
    assert attacked.summary.memo.startswith("WARNING: 1 passage(s)")
    assert prompts.sent, "the model was asked"
    assert not any(instruction[:40] in prompt for prompt in prompts.sent)
    assert not any(instruction[:40] in c.text for c in attacked.clauses)
