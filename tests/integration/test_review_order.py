"""A document's review does not depend on what the process reviewed before it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import build_service
from app.config import Settings
from app.review.report import Report
from app.review.service import ReviewService
from tests.conftest import SAMPLE_PDF, SAMPLES

pytestmark = pytest.mark.integration
OTHER_PDF = SAMPLES / "WEBHELPCOMINC_03_22_2000-EX-10.8-HOSTING_AGREEMENT.pdf"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewService]:
    settings = Settings.model_validate(
        {
            "data_dir": tmp_path_factory.mktemp("order"),
            "gateway": {"cache": {"enabled": False}},  # every review asks the model
            "extraction": {"judge_sample_rate": 0.0},
        }
    )
    built, store = build_service(settings)
    yield built
    built.close()
    store.close()


def _answers(report: Report) -> list[tuple[str, int, int, str | None, object]]:
    return [
        (c.category, c.start, c.end, c.normalized, c.checks.get("model_value"))
        for c in report.clauses
    ]


def test_the_same_document_gets_the_same_model_answers_after_another_one(
    service: ReviewService, tmp_path: Path
) -> None:
    # Reusing the previous prompt's cached prefix changed the extractor's value for a party
    # of this sample when another contract came first (llama.cpp's logits depend on how the
    # prompt is split into batches); every prompt now starts from its first token.
    first = service.review(SAMPLE_PDF.read_bytes(), "agency.pdf")
    service.review(OTHER_PDF.read_bytes(), "hosting.pdf")
    again = service.review(SAMPLE_PDF.read_bytes(), "agency.pdf")
    assert first.usage.llm_calls > 0 and again.usage.llm_calls == first.usage.llm_calls
    assert any(c.checks.get("model_value") == "kept" for c in first.clauses)
    assert _answers(again) == _answers(first)
