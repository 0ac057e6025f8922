"""Clause-extraction metrics following the scoring rules of /work/shared/cuad/README.md.

Rules implemented here:

* Normalise a text: lower-case; remove ``. , ; :``; replace ``/`` by a space; split on white
  space; the result is a set of words.
* Gold spans may contain the literal marker ``<omitted>``; the pieces between markers form one
  clause (markers are removed, the word set covers all pieces).
* A predicted clause matches a gold clause of the same contract and category when the Jaccard
  index of their word sets is at least 0.5; empty sets never match.
* Clause precision/recall/F1 are micro-averaged over all contracts and categories; presence
  P/R/F1 is computed over the positive class of every (contract, category) pair.
* AUPR and precision at 80%/90% recall are computed over the global confidence ranking
  (confidence descending, ties broken by input order); a gold clause matched twice counts once.
  The ranking holds the findings and, when given, the possible clauses under the reporting
  threshold (the rest of the candidate list, as the CUAD paper ranks every candidate span);
  clause and presence scores count findings only. `findings_aupr` is the AUPR of the
  findings alone.
* Every division by zero gives 0.0.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

OMITTED_MARKER = "<omitted>"
MATCH_THRESHOLD = 0.5

_OMITTED_RE = re.compile(re.escape(OMITTED_MARKER), re.IGNORECASE)
_NORMALISE_TABLE = str.maketrans({".": None, ",": None, ";": None, ":": None, "/": " "})
_DECIMALS = 4

_Key = tuple[str, str]  # (contract, category)
_GoldId = tuple[str, str, int]  # (contract, category, index in the gold list)
# A ranking only needs gold ids to be distinct: `ranking_scores` takes any hashable ones.


@dataclass(frozen=True)
class Prediction:
    """One predicted clause with the model's confidence."""

    contract: str
    category: str
    text: str
    confidence: float


@dataclass(frozen=True)
class PRF:
    """Precision, recall and their harmonic mean."""

    precision: float
    recall: float
    f1: float

    @classmethod
    def from_rates(cls, precision: float, recall: float) -> PRF:
        """Build from precision and recall, deriving F1 (0.0 when both are 0)."""
        return cls(precision, recall, _ratio(2 * precision * recall, precision + recall))

    @classmethod
    def from_counts(cls, tp: int, fp: int, fn: int) -> PRF:
        """Build from true-positive, false-positive and false-negative counts."""
        return cls.from_rates(_ratio(tp, tp + fp), _ratio(tp, tp + fn))

    def to_dict(self) -> dict[str, float]:
        """Return the scores rounded to 4 decimals."""
        return {
            "precision": round(self.precision, _DECIMALS),
            "recall": round(self.recall, _DECIMALS),
            "f1": round(self.f1, _DECIMALS),
        }


@dataclass(frozen=True)
class CategoryScore:
    """Clause-level and presence-level scores of one category, with their counts."""

    category: str
    clause: PRF
    presence: PRF
    gold_clauses: int
    predicted_clauses: int
    matched_predictions: int
    matched_gold: int
    presence_tp: int
    presence_fp: int
    presence_fn: int

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict, floats rounded to 4 decimals."""
        return {
            "category": self.category,
            "clause": self.clause.to_dict(),
            "presence": self.presence.to_dict(),
            "gold_clauses": self.gold_clauses,
            "predicted_clauses": self.predicted_clauses,
            "matched_predictions": self.matched_predictions,
            "matched_gold": self.matched_gold,
            "presence_tp": self.presence_tp,
            "presence_fp": self.presence_fp,
            "presence_fn": self.presence_fn,
        }


@dataclass(frozen=True)
class EvalMetrics:
    """All scores of one evaluation run."""

    clause: PRF
    presence: PRF
    aupr: float
    precision_at_80_recall: float
    precision_at_90_recall: float
    max_recall: float
    reached_80_recall: bool
    reached_90_recall: bool
    n_contracts: int
    n_gold_clauses: int
    n_predicted_clauses: int
    per_category: tuple[CategoryScore, ...]
    findings_aupr: float = 0.0
    n_possible_clauses: int = 0

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict, floats rounded to 4 decimals."""
        return {
            "clause": self.clause.to_dict(),
            "presence": self.presence.to_dict(),
            "aupr": round(self.aupr, _DECIMALS),
            "precision_at_80_recall": round(self.precision_at_80_recall, _DECIMALS),
            "precision_at_90_recall": round(self.precision_at_90_recall, _DECIMALS),
            "max_recall": round(self.max_recall, _DECIMALS),
            "reached_80_recall": self.reached_80_recall,
            "reached_90_recall": self.reached_90_recall,
            "n_contracts": self.n_contracts,
            "n_gold_clauses": self.n_gold_clauses,
            "n_predicted_clauses": self.n_predicted_clauses,
            "findings_aupr": round(self.findings_aupr, _DECIMALS),
            "n_possible_clauses": self.n_possible_clauses,
            "per_category": [c.to_dict() for c in self.per_category],
        }


@dataclass(frozen=True)
class _Judged:
    """A kept prediction with the gold clauses it matches."""

    key: _Key
    confidence: float
    gold_hits: frozenset[Hashable]  # _GoldId, except from ranking_scores


@dataclass(frozen=True)
class _RankPoint:
    """Counts after one step down the confidence ranking."""

    matching: int
    seen: int
    gold_matched: int


def normalize_words(text: str) -> frozenset[str]:
    """Normalise a text into its set of words."""
    return frozenset(text.lower().translate(_NORMALISE_TABLE).split())


def gold_words(span: str) -> frozenset[str]:
    """Normalise a gold span, joining the pieces around `<omitted>` markers."""
    return normalize_words(" ".join(_OMITTED_RE.split(span)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the Jaccard index of two word sets (0.0 when both are empty)."""
    return _ratio(len(a & b), len(a | b))


def is_match(predicted: frozenset[str], gold: frozenset[str]) -> bool:
    """Tell whether two word sets match (Jaccard >= 0.5, never for empty sets)."""
    overlap = len(predicted & gold)
    return overlap > 0 and 2 * overlap >= len(predicted | gold)


def matches_gold(text: str, gold_spans: Sequence[str]) -> bool:
    """Tell whether a clause text matches any of these gold clauses (the scoring rule)."""
    words = normalize_words(text)
    return any(is_match(words, gold_words(g)) for g in gold_spans)


def score(
    predictions: Sequence[Prediction],
    gold: Mapping[str, Mapping[str, Sequence[str]]],
    categories: Sequence[str],
    possible: Sequence[Prediction] = (),
) -> EvalMetrics:
    """Score predicted clauses against gold clauses under the CUAD rules.

    `predictions` are the findings; `possible` (clauses under the reporting threshold) only
    extend the confidence ranking.
    """
    _check_contracts([*predictions, *possible], gold)
    cats = tuple(dict.fromkeys(categories))
    gold_index = _gold_index(gold, cats)
    judged = _judge(predictions, gold_index, frozenset(cats))
    per_category = tuple(_category_score(c, tuple(gold), gold_index, judged) for c in cats)
    n_gold = sum(c.gold_clauses for c in per_category)
    extra = _judge(possible, gold_index, frozenset(cats))
    points = _ranking([*judged, *extra])
    p80, reached80 = _precision_at_recall(points, n_gold, 80)
    p90, reached90 = _precision_at_recall(points, n_gold, 90)
    clause, presence = _micro(per_category)
    return EvalMetrics(
        clause=clause,
        presence=presence,
        aupr=_aupr(points, n_gold),
        precision_at_80_recall=p80,
        precision_at_90_recall=p90,
        max_recall=_ratio(points[-1].gold_matched, n_gold) if points else 0.0,
        reached_80_recall=reached80,
        reached_90_recall=reached90,
        n_contracts=len(gold),
        n_gold_clauses=n_gold,
        n_predicted_clauses=len(judged),
        per_category=per_category,
        findings_aupr=_aupr(_ranking(judged), n_gold),
        n_possible_clauses=len(extra),
    )


@dataclass(frozen=True)
class RankingScores:
    """AUPR, precision at 80% recall and the highest recall of one confidence ranking."""

    aupr: float
    precision_at_80_recall: float
    max_recall: float


def ranking_scores(
    confidences: Sequence[float], gold_hits: Sequence[frozenset[Hashable]], n_gold: int
) -> RankingScores:
    """Score a ranking of candidates by the rules of `score`: `gold_hits` names the gold
    clauses each candidate matches (ids of any kind), `n_gold` counts all gold clauses."""
    points = _ranking(
        [_Judged(("", ""), c, h) for c, h in zip(confidences, gold_hits, strict=True)]
    )
    return RankingScores(
        aupr=_aupr(points, n_gold),
        precision_at_80_recall=_precision_at_recall(points, n_gold, 80)[0],
        max_recall=_ratio(points[-1].gold_matched, n_gold) if points else 0.0,
    )


def _ratio(numerator: float, denominator: float) -> float:
    """Divide, giving 0.0 when the denominator is zero."""
    return numerator / denominator if denominator else 0.0


def _clause_prf(matched_predictions: int, predicted: int, matched_gold: int, n_gold: int) -> PRF:
    """Build clause-level scores, whose precision and recall use different hit counts."""
    return PRF.from_rates(_ratio(matched_predictions, predicted), _ratio(matched_gold, n_gold))


def _micro(per_category: Sequence[CategoryScore]) -> tuple[PRF, PRF]:
    """Micro-average clause and presence scores over all categories."""
    clause = _clause_prf(
        sum(c.matched_predictions for c in per_category),
        sum(c.predicted_clauses for c in per_category),
        sum(c.matched_gold for c in per_category),
        sum(c.gold_clauses for c in per_category),
    )
    presence = PRF.from_counts(
        sum(c.presence_tp for c in per_category),
        sum(c.presence_fp for c in per_category),
        sum(c.presence_fn for c in per_category),
    )
    return clause, presence


def _check_contracts(
    predictions: Sequence[Prediction], gold: Mapping[str, Mapping[str, Sequence[str]]]
) -> None:
    """Raise ValueError when a prediction names a contract absent from the gold data."""
    unknown = sorted({p.contract for p in predictions if p.contract not in gold})
    if unknown:
        shown = ", ".join(repr(c) for c in unknown[:5])
        more = f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else ""
        raise ValueError(f"predictions for contracts absent from the gold data: {shown}{more}")


def _gold_index(
    gold: Mapping[str, Mapping[str, Sequence[str]]], categories: Sequence[str]
) -> dict[_Key, list[frozenset[str]]]:
    """Normalise the gold clauses of every (contract, category) pair that has any."""
    index: dict[_Key, list[frozenset[str]]] = {}
    for contract, labels in gold.items():
        for category in categories:
            spans = labels.get(category, ())
            if isinstance(spans, str):
                raise TypeError(f"gold[{contract!r}][{category!r}] must be a list of strings")
            if spans:
                index[(contract, category)] = [gold_words(s) for s in spans]
    return index


def _judge(
    predictions: Sequence[Prediction],
    gold_index: Mapping[_Key, list[frozenset[str]]],
    categories: frozenset[str],
) -> list[_Judged]:
    """Find, for each prediction of a scored category, the gold clauses it matches."""
    judged: list[_Judged] = []
    for p in predictions:
        if p.category not in categories:
            continue
        key = (p.contract, p.category)
        words = normalize_words(p.text)
        hits = frozenset(
            (p.contract, p.category, i)
            for i, g in enumerate(gold_index.get(key, ()))
            if is_match(words, g)
        )
        judged.append(_Judged(key, p.confidence, hits))
    return judged


def _category_score(
    category: str,
    contracts: Sequence[str],
    gold_index: Mapping[_Key, list[frozenset[str]]],
    judged: Sequence[_Judged],
) -> CategoryScore:
    """Compute clause and presence scores of one category."""
    mine = [j for j in judged if j.key[1] == category]
    n_gold = sum(len(gold_index.get((c, category), ())) for c in contracts)
    matched_gold = len({g for j in mine for g in j.gold_hits})
    matched_predictions = sum(1 for j in mine if j.gold_hits)
    predicted_in = {j.key[0] for j in mine}
    gold_in = {c for c in contracts if (c, category) in gold_index}
    tp = len(predicted_in & gold_in)
    fp = len(predicted_in - gold_in)
    fn = len(gold_in - predicted_in)
    return CategoryScore(
        category=category,
        clause=_clause_prf(matched_predictions, len(mine), matched_gold, n_gold),
        presence=PRF.from_counts(tp, fp, fn),
        gold_clauses=n_gold,
        predicted_clauses=len(mine),
        matched_predictions=matched_predictions,
        matched_gold=matched_gold,
        presence_tp=tp,
        presence_fp=fp,
        presence_fn=fn,
    )


def _ranking(judged: Sequence[_Judged]) -> list[_RankPoint]:
    """Walk down the confidence ranking (ties by input order), counting hits at each step."""
    ordered = sorted(judged, key=lambda j: -j.confidence)  # stable: ties keep input order
    points: list[_RankPoint] = []
    matched: set[Hashable] = set()
    matching = 0
    for seen, j in enumerate(ordered, start=1):
        matching += 1 if j.gold_hits else 0
        matched.update(j.gold_hits)
        points.append(_RankPoint(matching, seen, len(matched)))
    return points


def _aupr(points: Sequence[_RankPoint], n_gold: int) -> float:
    """Return the step-wise area under the precision-recall curve (recall starts at 0)."""
    area = 0.0
    previous_recall = 0.0
    for point in points:
        recall = _ratio(point.gold_matched, n_gold)
        area += _ratio(point.matching, point.seen) * (recall - previous_recall)
        previous_recall = recall
    return area


def _precision_at_recall(
    points: Sequence[_RankPoint], n_gold: int, percent: int
) -> tuple[float, bool]:
    """Return the best precision at recall >= percent %, and whether that recall is reached."""
    eligible = [
        _ratio(p.matching, p.seen)
        for p in points
        if n_gold and 100 * p.gold_matched >= percent * n_gold
    ]
    return (max(eligible), True) if eligible else (0.0, False)
