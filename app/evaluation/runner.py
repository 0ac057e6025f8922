"""`lexcrew eval`: review every PDF of a CUAD-format folder and score it against its labels."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import LexcrewError
from app.evaluation.metrics import EvalMetrics, Prediction, matches_gold, score
from app.evaluation.values import VALUE_CATEGORIES, ValueScore, score_values, value_matches
from app.review.report import Report
from app.review.service import Requester, ReviewService


@dataclass(frozen=True)
class LabelledPdf:
    """A contract PDF with its gold labels (`<stem>.json` beside it)."""

    pdf: Path
    labels: dict[str, list[str]]
    answers: dict[str, str] = field(default_factory=dict)  # CUAD's normalised answers


def labelled_pdfs(folder: Path) -> list[LabelledPdf]:
    """Return the folder's PDFs that have a CUAD label file, sorted by name."""
    found = []
    for pdf in sorted(folder.glob("*.pdf")):
        label_file = pdf.with_suffix(".json")
        if label_file.is_file():
            data = json.loads(label_file.read_text("utf-8"))
            found.append(LabelledPdf(pdf, data["labels"], data.get("answers", {})))
    return found


def report_values(report: Report) -> dict[str, str | None]:
    """Per value category, the value of the report's most confident finding that has one."""
    out: dict[str, str | None] = {}
    for category in VALUE_CATEGORIES:
        valued = [c for c in report.clauses if c.category == category and c.normalized]
        out[category] = max(valued, key=lambda c: c.confidence).normalized if valued else None
    return out


class LoadSampler:
    """Samples the 1-minute load average while an evaluation runs."""

    def __init__(self, every_s: float = 5.0) -> None:
        self.samples: list[float] = []
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self._stop.wait(self._every)

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class EvalRun:
    """Everything `lexcrew eval` reports."""

    metrics: EvalMetrics
    reports: list[Report]
    failures: dict[str, str]
    load: list[float] = field(default_factory=list)
    validator: dict[str, object] = field(default_factory=dict)
    values: dict[str, ValueScore] = field(default_factory=dict)
    extractor: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready summary: quality, speed, tokens and machine load."""
        pages = sum(r.document.pages for r in self.reports)
        review_s = sum(r.timing.total_s for r in self.reports)
        return {
            "contracts": len(self.reports) + len(self.failures),
            "reviewed": len(self.reports),
            "failed": self.failures,
            "pages": pages,
            "seconds_total": round(review_s, 1),
            "seconds_per_page": round(review_s / pages, 3) if pages else None,
            "ingest_seconds_per_page": round(
                sum(r.timing.ingest_s for r in self.reports) / pages, 3
            )
            if pages
            else None,
            "llm_calls": sum(r.usage.llm_calls for r in self.reports),
            "prompt_tokens": sum(r.usage.prompt_tokens for r in self.reports),
            "completion_tokens": sum(r.usage.completion_tokens for r in self.reports),
            "load_avg_1m": {
                "mean": round(sum(self.load) / len(self.load), 2) if self.load else None,
                "max": round(max(self.load), 2) if self.load else None,
                "cpus": os.cpu_count(),
            },
            "per_contract_by_tier": tiers_per_contract(self.reports),
            "checks": checks_summary(self.reports),
            "validator": self.validator,
            "extractor": self.extractor,
            "values": {c: v.to_dict() for c, v in self.values.items()},
            "metrics": self.metrics.to_dict(),
            "models": model_versions(self.reports),
        }


def model_versions(reports: list[Report]) -> list[dict[str, str | None]]:
    """The versions of the trained models behind the reports: one entry, unless the models
    changed during the run."""
    seen = {r.models for r in reports if r.models is not None}
    ordered = sorted(seen, key=lambda m: (m.clause_model, m.phrase_model, m.encoder or ""))
    return [m.model_dump() for m in ordered]


def tiers_per_contract(reports: list[Report]) -> dict[str, dict[str, float]]:
    """Mean model calls and tokens per reviewed contract, by the tier that served them."""
    totals: dict[str, Counter[str]] = {}
    for report in reports:
        for tier, used in report.usage.by_tier.items():
            counts = totals.setdefault(tier, Counter())
            counts["llm_calls"] += used.llm_calls
            counts["prompt_tokens"] += used.prompt_tokens
            counts["completion_tokens"] += used.completion_tokens
    n = len(reports) or 1
    return {
        tier: {k: round(v / n, 1) for k, v in sorted(counts.items())}
        for tier, counts in sorted(totals.items())
    }


def checks_summary(reports: list[Report]) -> dict[str, object]:
    """How the findings fared on the automated checks and the LLM judge."""
    findings = [c for r in reports for c in r.clauses]
    failed: Counter[str] = Counter()
    judged: Counter[str] = Counter()
    for clause in findings:
        for name, value in clause.checks.items():
            if value is False:
                failed[name] += 1
        verdict = clause.checks.get("judge")
        if isinstance(verdict, str):
            judged[verdict.split(":", 1)[0]] += 1
    answered = judged["correct"] + judged["incorrect"] + judged["inconsistent"]
    return {
        "findings": len(findings),
        "failed": dict(sorted(failed.items())),
        "judge": {
            **dict(sorted(judged.items())),
            # Answers that flipped when the two statements swapped places: position bias.
            "inconsistent_share": round(judged["inconsistent"] / answered, 4) if answered else None,
        },
    }


def validator_summary(
    reports: Mapping[str, Report], gold: Mapping[str, Mapping[str, Sequence[str]]]
) -> dict[str, object]:
    """How often the model's yes/no on a finding agrees with the gold labels.

    A finding is right when it matches a gold clause of its category by the scoring rule. This
    is the self-hosted model's own score: the clause metrics do not depend on its answers.
    """
    counts: Counter[str] = Counter()
    for stem, report in reports.items():
        for clause in report.clauses:
            verdict = clause.checks.get("model_check")
            if verdict == "no_answer":
                counts["no_answer"] += 1
            if verdict not in ("yes", "no"):
                continue
            right = matches_gold(clause.text, gold[stem].get(clause.category, []))
            counts["verdicts"] += 1
            counts["right" if right else "wrong"] += 1
            counts["agree"] += (verdict == "yes") == right
            counts["yes_when_right"] += right and verdict == "yes"
            counts["no_when_wrong"] += (not right) and verdict == "no"
    n = counts["verdicts"]
    asked = n + counts["no_answer"]
    yes_rate = counts["yes_when_right"] / counts["right"] if counts["right"] else None
    no_rate = counts["no_when_wrong"] / counts["wrong"] if counts["wrong"] else None
    return {
        "asked": asked,
        "verdicts": n,
        "no_answer": counts["no_answer"],
        # A question left unanswered counts as a wrong answer here.
        "accuracy_over_asked": round(counts["agree"] / asked, 4) if asked else None,
        "accuracy": round(counts["agree"] / n, 4) if n else None,
        "yes_when_right": round(yes_rate, 4) if yes_rate is not None else None,
        "no_when_wrong": round(no_rate, 4) if no_rate is not None else None,
        # 0 for a coin or a model that always says the same; 1 for a perfect validator.
        "informedness": round(yes_rate + no_rate - 1, 4)
        if yes_rate is not None and no_rate is not None
        else None,
        "right_share": round(counts["right"] / n, 4) if n else None,
    }


def value_is_right(category: str, value: str, gold: Sequence[str], answer: str | None) -> bool:
    """A model's value is right when it matches a gold clause of its category by the scoring
    rule (a party's name, a title, a date as written) or agrees with CUAD's normalised answer
    (`app.evaluation.values`: "Delaware" for a governing-law sentence)."""
    return matches_gold(value, gold) or (
        answer is not None and value_matches(category, value, answer)
    )


def extractor_summary(
    reports: Mapping[str, Report],
    gold: Mapping[str, Mapping[str, Sequence[str]]],
    answers: Mapping[str, Mapping[str, str]],
) -> dict[str, object]:
    """How well the model picks the value words of the findings it is asked about (parties,
    titles, and values no rule found), from each finding's `model_value` check."""
    counts: Counter[str] = Counter()
    by_category: dict[str, Counter[str]] = {}
    for stem, report in reports.items():
        for clause in report.clauses:
            outcome = clause.checks.get("model_value")
            if outcome not in ("kept", "rejected", "no_answer"):
                continue
            right = (
                outcome == "kept"
                and clause.normalized is not None
                and value_is_right(
                    clause.category,
                    clause.normalized,
                    gold[stem].get(clause.category, []),
                    answers.get(stem, {}).get(clause.category),
                )
            )
            for tally in (counts, by_category.setdefault(clause.category, Counter())):
                tally["asked"] += 1
                tally[str(outcome)] += 1
                tally["right"] += right
    asked = counts["asked"]
    return {
        "asked": asked,
        "kept": counts["kept"],
        "rejected": counts["rejected"],
        "no_answer": counts["no_answer"],
        "right": counts["right"],
        # A question left unanswered, or answered with words not in the clause, counts as wrong.
        "accuracy_over_asked": round(counts["right"] / asked, 4) if asked else None,
        "by_category": {
            c: {"asked": t["asked"], "right": t["right"]} for c, t in sorted(by_category.items())
        },
    }


def evaluate(
    folder: Path,
    service: ReviewService,
    categories: tuple[str, ...],
    out: Path,
    on_done: Callable[[str, Report | None], None] | None = None,
    who: Requester | None = None,
) -> EvalRun:
    """Review each labelled PDF, write its report under `out/reports/`, and score them all."""
    items = labelled_pdfs(folder)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    reports: list[Report] = []
    failures: dict[str, str] = {}
    predictions: list[Prediction] = []
    possible: list[Prediction] = []
    reviewed: dict[str, Report] = {}
    with LoadSampler() as sampler:
        for item in items:
            try:
                report = service.review(item.pdf.read_bytes(), item.pdf.name, who)
            except LexcrewError as exc:
                failures[item.pdf.name] = exc.reason
                if on_done:
                    on_done(item.pdf.name, None)
                continue
            (out / "reports" / f"{item.pdf.stem}.json").write_text(report.model_dump_json(indent=2))
            reports.append(report)
            reviewed[item.pdf.stem] = report
            predictions += [
                Prediction(item.pdf.stem, c.category, c.text, c.confidence) for c in report.clauses
            ]
            possible += [
                Prediction(item.pdf.stem, c.category, c.text, c.confidence) for c in report.possible
            ]
            if on_done:
                on_done(item.pdf.name, report)
    gold = {item.pdf.stem: item.labels for item in items}
    answers = {item.pdf.stem: item.answers for item in items}
    values = {stem: report_values(report) for stem, report in reviewed.items()}
    run = EvalRun(
        score(predictions, gold, categories, possible),
        reports,
        failures,
        sampler.samples,
        validator_summary(reviewed, gold),
        score_values(values, answers),
        extractor_summary(reviewed, gold, answers),
    )
    (out / "metrics.json").write_text(json.dumps(run.to_dict(), indent=2))
    return run
