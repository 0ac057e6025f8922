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
    for name, array in model.rescorer.arrays().items():
        assert np.array_equal(again.rescorer.arrays()[name], array), name
    assert again.rescorer.settings() == model.rescorer.settings()


def test_a_folder_without_the_models_names_what_is_missing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.extraction.phrase_model import PhraseModel

    with pytest.raises(ConfigurationError, match=r"clause model not found in .*train-models"):
        ClauseModel.load(tmp_path)
    with pytest.raises(ConfigurationError, match=r"phrase model not found in .*train-models"):
        PhraseModel.load(tmp_path)
    ClauseModel.load().save(tmp_path)
    (tmp_path / "clause_model.json").unlink()  # the arrays alone are not a model
    with pytest.raises(ConfigurationError, match="clause model not found"):
        ClauseModel.load(tmp_path)


def test_a_model_without_the_rescorer_asks_for_retraining(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    ClauseModel.load().save(tmp_path)
    path = tmp_path / "clause_model.json"
    payload = json.loads(path.read_text())
    del payload["rescorer"]
    path.write_text(json.dumps(payload))
    with pytest.raises(ConfigurationError, match="train-models"):
        ClauseModel.load(tmp_path)


def test_a_model_with_the_old_logistic_rescorer_asks_for_retraining(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ClauseModel.load().save(tmp_path)
    path = tmp_path / "clause_model.npz"
    arrays = {k: v for k, v in np.load(path).items() if not k.startswith("rescore_")}
    arrays["rescore_weights"] = np.zeros(3)  # what the logistic rescorer saved
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="predates the tree rescorer"):
        ClauseModel.load(tmp_path)


def test_a_model_without_the_presence_model_asks_for_retraining(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ClauseModel.load().save(tmp_path)
    path = tmp_path / "clause_model.npz"
    arrays = {k: v for k, v in np.load(path).items() if not k.startswith("presence_")}
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="presence model"):
        ClauseModel.load(tmp_path)


def test_scores_keep_the_tfidf_and_encoder_logits_they_combine() -> None:
    model = ClauseModel.load()
    text = "The Supplier shall maintain general liability insurance of at least $1,000,000."
    scores = model.score(text, [Unit(0, len(text), text)])
    assert model.encoder is not None
    combined = model.stack.combine(scores.tfidf, scores.encoder)
    assert np.allclose(scores.probabilities, 1 / (1 + np.exp(-combined)), atol=1e-6)
    assert np.any(scores.encoder != 0)


def test_the_shipped_model_stacks_the_unit_encoder_and_a_copy_carries_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = ClauseModel.load()
    assert model.encoder is not None and model.stack.uses_encoder
    assert model.meta["encoder"]["version"] == model.encoder.version
    model.save(tmp_path)
    again = ClauseModel.load(tmp_path)
    assert again.encoder is not None and again.encoder.version == model.encoder.version
    assert np.array_equal(again.stack.weights, model.stack.weights)


def test_a_model_stacked_with_another_encoder_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    ClauseModel.load().save(tmp_path)
    path = tmp_path / "clause_model.json"
    payload = json.loads(path.read_text())
    payload["meta"]["encoder"]["version"] = "000000000000"
    path.write_text(json.dumps(payload))
    with pytest.raises(ConfigurationError, match="stacked with unit encoder 000000000000"):
        ClauseModel.load(tmp_path)


def test_the_stack_uses_the_encoder_only_where_it_helps_out_of_fold() -> None:
    from app.extraction.training import fit_stack

    rng = np.random.default_rng(0)
    n = 3000
    truth = np.zeros((n, 2), dtype=bool)
    truth[rng.choice(n, 150, replace=False), 0] = True
    truth[rng.choice(n, 150, replace=False), 1] = True
    # TF-IDF is weakly informative for both; the encoder is strong for the first, noise for
    # the second.
    tfidf = (truth * 1.0 + rng.normal(0, 1.0, (n, 2))).astype(np.float32)
    encoder = np.column_stack(
        [truth[:, 0] * 4.0 + rng.normal(0, 1.0, n), rng.normal(0, 1.0, n)]
    ).astype(np.float32)
    folds = (np.arange(n) % 3).astype(np.int32)
    logits, stack = fit_stack(tfidf, encoder, truth, folds, 3)
    assert stack.weights[0, 1] > 0.5 and stack.uses_encoder
    assert stack.weights[1].tolist() == [1.0, 0.0] and stack.bias[1] == 0.0
    assert np.array_equal(logits[:, 1], tfidf[:, 1])
    assert not np.array_equal(logits[:, 0], tfidf[:, 0])
    combined = stack.combine(tfidf, encoder)
    assert np.array_equal(combined[:, 1], tfidf[:, 1])
