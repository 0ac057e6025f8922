from __future__ import annotations

import numpy as np
import pytest

from app.errors import ConfigurationError
from app.extraction.categories import category_names
from app.extraction.clause_model import ClauseModel, Unit


def test_the_shipped_model_covers_the_41_cuad_categories() -> None:
    model = ClauseModel.load()
    assert len(category_names()) == 41
    assert model.categories == category_names()
    assert model.meta["train_data_sha256"]
    assert np.all((model.thresholds > 0) & (model.thresholds < 1))


def test_a_governing_law_sentence_scores_highest_for_governing_law() -> None:
    model = ClauseModel.load()
    text = "Filler. " * 200 + (
        "This Agreement shall be governed by and construed in accordance with the laws of the "
        "State of New York, without regard to its conflict of laws principles."
    )
    start = text.index("This Agreement")
    scores = model.score(text, [Unit(start, len(text), text[start:])]).probabilities[0]
    assert model.categories[int(np.argmax(scores))] == "Governing Law"
    assert scores.max() > 0.5


def test_save_and_load_give_the_same_scores(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = ClauseModel.load()
    model.save(tmp_path)
    again = ClauseModel.load(tmp_path)
    text = "Either party may terminate this Agreement for convenience on 30 days notice."
    units = [Unit(0, len(text), text)]
    assert np.allclose(
        model.score(text, units).probabilities, again.score(text, units).probabilities, atol=1e-3
    )
    assert np.allclose(again.rescorer.weights, model.rescorer.weights)
    assert np.allclose(again.rescorer.mean, model.rescorer.mean)
    assert again.rescorer.intercept == pytest.approx(model.rescorer.intercept)
    assert again.rescorer.settings() == model.rescorer.settings()


def test_a_model_without_the_rescorer_asks_for_retraining(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    ClauseModel.load().save(tmp_path)
    path = tmp_path / "clause_model.json"
    payload = json.loads(path.read_text())
    del payload["rescorer"]
    path.write_text(json.dumps(payload))
    with pytest.raises(ConfigurationError, match="train-models"):
        ClauseModel.load(tmp_path)
