"""Tests for the CUAD clause-extraction metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.evaluation.metrics import (
    PRF,
    EvalMetrics,
    Prediction,
    gold_words,
    jaccard,
    normalize_words,
    ranking_scores,
    score,
)

# Real CUAD dev contracts shipped with the repo (samples/, CC BY 4.0).
CUAD_DEV = Path(__file__).resolve().parents[3] / "samples"


def _pred(contract: str, category: str, text: str, confidence: float = 1.0) -> Prediction:
    return Prediction(contract=contract, category=category, text=text, confidence=confidence)


def _small_gold() -> dict[str, dict[str, list[str]]]:
    return {
        "c1": {"A": ["alpha beta gamma", "delta epsilon"], "B": ["zeta eta"]},
        "c2": {"A": [], "B": ["theta iota kappa"]},
    }


def _small_predictions() -> list[Prediction]:
    return [
        _pred("c1", "A", "alpha beta gamma"),  # matches gold (Jaccard 1.0)
        _pred("c1", "A", "unrelated words here"),  # no match
        _pred("c1", "B", "zeta eta theta"),  # matches gold (Jaccard 2/3)
        _pred("c2", "A", "alpha beta gamma"),  # no gold clause in (c2, A)
        _pred("c2", "B", "iota"),  # Jaccard 1/3, no match
    ]


def _small_metrics() -> EvalMetrics:
    return score(_small_predictions(), _small_gold(), ["A", "B"])


# --- normalisation -----------------------------------------------------------------------


def test_normalize_lowercases_and_splits_on_whitespace() -> None:
    assert normalize_words("The  Party\tshall\nPAY") == frozenset({"the", "party", "shall", "pay"})


def test_normalize_removes_period_comma_semicolon_colon_without_splitting() -> None:
    assert normalize_words("Hello, World. Foo;bar: x") == frozenset(
        {"hello", "world", "foobar", "x"}
    )


def test_normalize_replaces_slash_by_space() -> None:
    assert normalize_words("and/or Buyer/Seller") == frozenset({"and", "or", "buyer", "seller"})


def test_normalize_keeps_other_punctuation() -> None:
    assert normalize_words("(a) Section 2-1 'x'") == frozenset({"(a)", "section", "2-1", "'x'"})


def test_normalize_of_blank_text_is_empty_set() -> None:
    assert normalize_words(" . , ; : ") == frozenset()


def test_gold_words_joins_pieces_around_omitted_marker() -> None:
    span = "The term is one year <omitted> renewable annually"
    assert gold_words(span) == frozenset(
        {"the", "term", "is", "one", "year", "renewable", "annually"}
    )


def test_gold_words_separates_pieces_glued_to_marker() -> None:
    assert gold_words("alpha<omitted>beta <omitted> gamma.") == frozenset(
        {"alpha", "beta", "gamma"}
    )


def test_gold_words_without_marker_equals_normalize_words() -> None:
    assert gold_words("Net 30 days/invoice.") == normalize_words("Net 30 days/invoice.")


def test_gold_span_with_omitted_marker_matches_the_joined_clause() -> None:
    gold = {"c1": {"A": ["licensor grants <omitted> exclusive license"]}}
    metrics = score([_pred("c1", "A", "licensor grants exclusive license")], gold, ["A"])
    assert metrics.clause == PRF(1.0, 1.0, 1.0)


# --- matching -------------------------------------------------------------------------------


def test_jaccard_of_overlapping_sets() -> None:
    assert jaccard(frozenset({"a", "b", "c"}), frozenset({"b", "c", "d"})) == 0.5


def test_jaccard_of_empty_sets_is_zero() -> None:
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_clause_exactly_at_jaccard_half_matches() -> None:
    gold = {"c1": {"A": ["a b c d"]}}
    metrics = score([_pred("c1", "A", "a b")], gold, ["A"])  # 2 / 4 = 0.5
    assert metrics.clause.precision == 1.0
    assert metrics.clause.recall == 1.0


def test_clause_just_below_jaccard_half_does_not_match() -> None:
    gold = {"c1": {"A": ["a b c d e"]}}
    metrics = score([_pred("c1", "A", "a b")], gold, ["A"])  # 2 / 5 = 0.4
    assert metrics.clause == PRF(0.0, 0.0, 0.0)


def test_empty_word_sets_never_match() -> None:
    gold = {"c1": {"A": ["."]}}
    metrics = score([_pred("c1", "A", ";")], gold, ["A"])
    assert metrics.clause == PRF(0.0, 0.0, 0.0)
    assert metrics.n_gold_clauses == 1


def test_prediction_in_wrong_category_or_contract_never_matches() -> None:
    gold: dict[str, dict[str, list[str]]] = {
        "c1": {"A": ["alpha beta"], "B": []},
        "c2": {"A": []},
    }
    predictions = [_pred("c1", "B", "alpha beta"), _pred("c2", "A", "alpha beta")]
    metrics = score(predictions, gold, ["A", "B"])
    assert metrics.clause == PRF(0.0, 0.0, 0.0)
    assert metrics.n_predicted_clauses == 2


# --- clause and presence scores ----------------------------------------------------------


def test_clause_precision_recall_f1_on_small_case() -> None:
    metrics = _small_metrics()
    # 2 of 5 predictions match; 2 of 4 gold clauses are matched.
    assert metrics.clause.precision == pytest.approx(0.4)
    assert metrics.clause.recall == pytest.approx(0.5)
    assert metrics.clause.f1 == pytest.approx(2 * 0.4 * 0.5 / 0.9)
    assert (metrics.n_contracts, metrics.n_gold_clauses, metrics.n_predicted_clauses) == (2, 4, 5)


def test_presence_f1_on_small_case() -> None:
    gold = {
        "c1": {"A": ["x"], "B": []},
        "c2": {"A": [], "B": ["y"]},
        "c3": {"A": ["z"]},  # category B missing from the mapping: no gold clause
    }
    predictions = [
        _pred("c1", "A", "wrong text"),  # tp (presence ignores the text)
        _pred("c1", "A", "x"),  # same pair again: still one tp
        _pred("c2", "A", "x"),  # fp
        _pred("c3", "B", "z"),  # fp
    ]  # fn: (c2, B) and (c3, A)
    metrics = score(predictions, gold, ["A", "B"])
    assert metrics.presence.precision == pytest.approx(1 / 3)
    assert metrics.presence.recall == pytest.approx(1 / 3)
    assert metrics.presence.f1 == pytest.approx(1 / 3)


def test_gold_clause_matched_twice_counts_once_in_recall() -> None:
    gold = {"c1": {"A": ["alpha beta", "gamma delta"]}}
    predictions = [_pred("c1", "A", "alpha beta", 0.9), _pred("c1", "A", "Alpha, beta.", 0.8)]
    metrics = score(predictions, gold, ["A"])
    assert metrics.clause.precision == 1.0
    assert metrics.clause.recall == 0.5
    assert metrics.max_recall == 0.5


def test_duplicate_gold_strings_count_as_separate_gold_clauses() -> None:
    gold = {"c1": {"A": ["alpha beta", "alpha beta", "gamma delta"]}}
    metrics = score([_pred("c1", "A", "alpha beta")], gold, ["A"])
    assert metrics.n_gold_clauses == 3
    assert metrics.clause.recall == pytest.approx(2 / 3)


def test_predictions_in_unscored_categories_are_ignored() -> None:
    gold = {"c1": {"A": ["alpha beta"], "Z": ["omega"]}}
    predictions = [_pred("c1", "A", "alpha beta"), _pred("c1", "Z", "nothing")]
    metrics = score(predictions, gold, ["A"])
    assert metrics.n_predicted_clauses == 1
    assert metrics.n_gold_clauses == 1
    assert metrics.clause == PRF(1.0, 1.0, 1.0)


def test_per_category_scores_and_counts() -> None:
    a, b = _small_metrics().per_category
    assert (a.category, b.category) == ("A", "B")
    a_counts = (a.predicted_clauses, a.matched_predictions, a.gold_clauses, a.matched_gold)
    assert a_counts == (3, 1, 2, 1)
    assert a.clause.precision == pytest.approx(1 / 3)
    assert a.clause.recall == pytest.approx(0.5)
    assert a.clause.f1 == pytest.approx(0.4)
    assert (a.presence_tp, a.presence_fp, a.presence_fn) == (1, 1, 0)
    assert a.presence.f1 == pytest.approx(2 / 3)
    b_counts = (b.predicted_clauses, b.matched_predictions, b.gold_clauses, b.matched_gold)
    assert b_counts == (2, 1, 2, 1)
    assert b.clause == PRF(0.5, 0.5, 0.5)
    assert (b.presence_tp, b.presence_fp, b.presence_fn) == (2, 0, 0)
    assert b.presence == PRF(1.0, 1.0, 1.0)


def test_no_predictions_and_no_gold_give_zero_scores() -> None:
    metrics = score([], {"c1": {"A": []}}, ["A"])
    assert metrics.clause == PRF(0.0, 0.0, 0.0)
    assert metrics.presence == PRF(0.0, 0.0, 0.0)
    assert (metrics.aupr, metrics.max_recall, metrics.reached_80_recall) == (0.0, 0.0, False)


def test_prf_from_counts() -> None:
    prf = PRF.from_counts(tp=3, fp=1, fn=3)
    assert prf.precision == 0.75
    assert prf.recall == 0.5
    assert prf.f1 == pytest.approx(0.6)
    assert PRF.from_counts(0, 0, 0) == PRF(0.0, 0.0, 0.0)


# --- ranking metrics -------------------------------------------------------------------------


def _ranking_case() -> EvalMetrics:
    gold = {"c1": {"A": ["g one", "g two", "g three", "g four", "g five"]}}
    predictions = [  # given out of confidence order on purpose
        _pred("c1", "A", "g three", 0.5),  # rank 5: hit, recall 0.6
        _pred("c1", "A", "miss a", 0.8),  # rank 2: miss
        _pred("c1", "A", "g one", 0.9),  # rank 1: hit, recall 0.2
        _pred("c1", "A", "miss c", 0.2),  # rank 8: miss
        _pred("c1", "A", "g four", 0.3),  # rank 7: hit, recall 0.8
        _pred("c1", "A", "g two", 0.7),  # rank 3: hit, recall 0.4
        _pred("c1", "A", "miss b", 0.4),  # rank 6: miss
        _pred("c1", "A", "g one", 0.6),  # rank 4: hit on an already matched gold clause
    ]
    return score(predictions, gold, ["A"])


def test_aupr_on_hand_computed_ranking() -> None:
    # Precision at each recall increase: 1/1, 2/3, 4/5, 5/7, each over a 0.2 recall step.
    assert _ranking_case().aupr == pytest.approx(0.2 * (1 + 2 / 3 + 4 / 5 + 5 / 7))


def test_precision_at_80_recall_is_best_precision_once_reached() -> None:
    metrics = _ranking_case()
    assert metrics.precision_at_80_recall == pytest.approx(5 / 7)  # ranks 7 (5/7) and 8 (5/8)
    assert metrics.reached_80_recall is True
    assert metrics.max_recall == pytest.approx(0.8)


def test_precision_at_80_recall_takes_the_maximum_over_later_points() -> None:
    gold = {"c1": {"A": ["g one", "g two", "g three", "g four", "g five"]}}
    texts = ["miss", "g one", "g two", "g three", "g four", "g one", "g two"]
    predictions = [_pred("c1", "A", t, 1.0 - i / 10) for i, t in enumerate(texts)]
    metrics = score(predictions, gold, ["A"])
    # Recall 0.8 is first reached at rank 5 (precision 4/5); rank 7 has precision 6/7.
    assert metrics.precision_at_80_recall == pytest.approx(6 / 7)


def test_ranking_scores_of_bare_candidates_agree_with_score() -> None:
    # The hand-computed case as (confidence, ids of the gold clauses matched) pairs, the way
    # training ranks its candidates: the same AUPR, precision at 80% recall and top recall.
    confidences = [0.5, 0.8, 0.9, 0.2, 0.3, 0.7, 0.4, 0.6]
    hits = [{3}, set(), {1}, set(), {4}, {2}, set(), {1}]
    scores = ranking_scores(confidences, [frozenset(h) for h in hits], n_gold=5)
    expected = _ranking_case()
    assert scores.aupr == pytest.approx(expected.aupr)
    assert scores.precision_at_80_recall == pytest.approx(5 / 7)
    assert scores.max_recall == pytest.approx(0.8)
    empty = ranking_scores([], [], n_gold=3)
    assert (empty.aupr, empty.precision_at_80_recall, empty.max_recall) == (0.0, 0.0, 0.0)


def test_precision_at_90_recall_is_zero_when_not_reached() -> None:
    metrics = _ranking_case()
    assert metrics.precision_at_90_recall == 0.0
    assert metrics.reached_90_recall is False


def test_recall_never_reaching_80_gives_zero_precision_and_flag_false() -> None:
    gold = {"c1": {"A": ["alpha beta", "gamma delta"]}}
    metrics = score([_pred("c1", "A", "alpha beta", 0.9)], gold, ["A"])
    assert metrics.precision_at_80_recall == 0.0
    assert metrics.reached_80_recall is False
    assert metrics.max_recall == 0.5
    assert metrics.aupr == pytest.approx(0.5)


def test_confidence_ties_are_broken_by_input_order() -> None:
    gold = {"c1": {"A": ["alpha beta"]}}
    hit, miss = _pred("c1", "A", "alpha beta", 0.5), _pred("c1", "A", "other", 0.5)
    assert score([hit, miss], gold, ["A"]).aupr == pytest.approx(1.0)
    assert score([miss, hit], gold, ["A"]).aupr == pytest.approx(0.5)


def test_ranking_spans_all_contracts_together() -> None:
    gold = {"c1": {"A": ["alpha"]}, "c2": {"A": ["beta"]}}
    predictions = [
        _pred("c1", "A", "alpha", 0.2),
        _pred("c2", "A", "wrong", 0.9),
        _pred("c2", "A", "beta", 0.5),
    ]
    metrics = score(predictions, gold, ["A"])
    # Ranking: miss (0/1, r 0), hit (1/2, r 0.5), hit (2/3, r 1.0).
    assert metrics.aupr == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)
    assert metrics.precision_at_80_recall == pytest.approx(2 / 3)


# --- errors and serialisation ----------------------------------------------------------------


def test_prediction_for_unknown_contract_raises() -> None:
    with pytest.raises(ValueError, match="'nope'"):
        score([_pred("nope", "A", "text")], {"c1": {"A": []}}, ["A"])


def test_to_dict_is_json_ready_and_rounded() -> None:
    metrics = _small_metrics()
    data = metrics.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["clause"] == {"precision": 0.4, "recall": 0.5, "f1": 0.4444}
    assert data["per_category"] == [c.to_dict() for c in metrics.per_category]
    assert metrics.per_category[0].to_dict()["clause"] == {
        "precision": 0.3333,
        "recall": 0.5,
        "f1": 0.4,
    }


# --- real data --------------------------------------------------------------------------------


def test_gold_labels_as_predictions_score_perfectly_on_real_dev_files() -> None:
    files = sorted(CUAD_DEV.glob("*.json"))[:2]
    assert len(files) == 2
    gold: dict[str, dict[str, list[str]]] = {}
    for path in files:
        gold[path.stem] = json.loads(path.read_text(encoding="utf-8"))["labels"]
    categories = sorted({c for labels in gold.values() for c in labels})
    predictions = [
        _pred(contract, category, text, 1.0)
        for contract, labels in gold.items()
        for category, texts in labels.items()
        for text in texts
    ]
    metrics = score(predictions, gold, categories)
    assert metrics.n_gold_clauses == len(predictions) > 0
    assert metrics.clause.f1 == 1.0
    assert metrics.presence.f1 == 1.0
    assert metrics.aupr == pytest.approx(1.0)
    assert metrics.precision_at_80_recall == 1.0


def test_possible_clauses_extend_the_ranking_but_not_the_clause_scores() -> None:
    gold = {"c1": {"A": ["g one", "g two"]}}
    findings = [_pred("c1", "A", "g one", 0.9), _pred("c1", "A", "miss", 0.5)]
    possible = [_pred("c1", "A", "g two", 0.1), _pred("c1", "A", "other miss", 0.05)]
    alone = score(findings, gold, ["A"])
    both = score(findings, gold, ["A"], possible)
    assert both.clause == alone.clause  # 1 of 2 findings right, 1 of 2 gold found
    assert both.presence == alone.presence
    assert both.n_predicted_clauses == 2 and both.n_possible_clauses == 2
    assert alone.max_recall == pytest.approx(0.5)
    assert both.max_recall == pytest.approx(1.0)
    # Ranking 0.9 hit, 0.5 miss, 0.1 hit: precision 1/1 then 2/3, each over a 0.5 recall step.
    assert both.aupr == pytest.approx(0.5 * (1 + 2 / 3))
    assert both.findings_aupr == pytest.approx(alone.aupr) == pytest.approx(0.5)
    assert both.precision_at_80_recall == pytest.approx(2 / 3)


def test_possible_clauses_of_an_unknown_contract_are_refused() -> None:
    with pytest.raises(ValueError):
        score([], {"c1": {"A": []}}, ["A"], [_pred("nope", "A", "x", 0.1)])
