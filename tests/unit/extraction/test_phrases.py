from __future__ import annotations

from pathlib import Path

import numpy as np

from app.extraction.phrase_model import PhraseModel, phrase_features
from app.extraction.phrase_training import phrase_data
from app.extraction.phrases import date_phrases, distinct_phrases, party_phrases, title_phrases
from app.extraction.training import LabelledContract

PREAMBLE = (
    "EXHIBIT 10.1\n"
    "SUPPLY AGREEMENT\n"
    'This Supply Agreement (the "Agreement") is entered into as of May 1, 2001 by and between '
    'Acme Widgets Corp., a Delaware corporation ("Acme"), and Globex Holdings, LLC ("Globex").\n'
    "1. Supply. Acme shall supply and Globex shall buy the goods.\n"
)


def _texts(phrases: list) -> set[str]:  # type: ignore[type-arg]
    return {PREAMBLE[p.start : p.end] for p in phrases}


def test_generators_find_dates_names_defined_terms_and_titles() -> None:
    assert "May 1, 2001" in _texts(date_phrases(PREAMBLE))
    parties = _texts(party_phrases(PREAMBLE))
    assert {"Acme Widgets Corp.", "Globex Holdings, LLC", "Acme", "Globex"} <= parties
    titles = _texts(title_phrases(PREAMBLE))
    assert "SUPPLY AGREEMENT" in titles and "Supply Agreement" in titles


def test_each_distinct_phrase_is_kept_once_at_its_first_place_with_its_count() -> None:
    distinct = distinct_phrases(PREAMBLE, party_phrases)
    acme = [(p, n) for p, n in distinct if PREAMBLE[p.start : p.end] == "Acme"]
    assert len(acme) == 1 and acme[0][1] == PREAMBLE.count("Acme")


def test_candidates_are_labelled_by_the_cuad_scoring_rule() -> None:
    contract = LabelledContract(
        "t", PREAMBLE, {"Parties": ["Acme Widgets Corp.", "Globex"], "Agreement Date": []}
    )
    data = phrase_data([contract], "Parties")
    positives = {f.split("w=", 1)[1] for f, y in zip(data.features, data.labels, strict=True) if y}
    assert any(p.startswith("acme") for p in positives)
    assert int(data.gold_counts[0]) == 2
    assert not phrase_data([contract], "Agreement Date").labels.any()


def test_the_shipped_model_picks_title_parties_and_date() -> None:
    model = PhraseModel.load()
    assert set(model.categories) == {"Document Name", "Parties", "Agreement Date", "Effective Date"}
    best = {
        c: [PREAMBLE[s.start : s.end] for s in model.score(PREAMBLE, c)] for c in model.categories
    }
    assert best["Document Name"] == ["SUPPLY AGREEMENT"]
    assert best["Agreement Date"] == ["May 1, 2001"]
    assert "Acme Widgets Corp." in best["Parties"] or "Acme" in best["Parties"]


def test_save_and_load_give_the_same_probabilities(tmp_path: Path) -> None:
    model = PhraseModel.load()
    model.save(tmp_path)
    again = PhraseModel.load(tmp_path)
    features = [
        phrase_features(PREAMBLE, p, n) for p, n in distinct_phrases(PREAMBLE, party_phrases)
    ]
    assert np.allclose(
        model.probabilities("Parties", features), again.probabilities("Parties", features)
    )
