from __future__ import annotations

from app.evaluation.runner import extractor_summary, model_versions, validator_summary
from app.review.report import (
    ClauseFinding,
    DocumentInfo,
    ModelVersions,
    Report,
    Risk,
    Summary,
    Timing,
    TraceInfo,
    Usage,
)


def _finding(
    i: int, category: str, text: str, check: str, value: str | None = None
) -> ClauseFinding:
    checks = {"model_check": check} if value is None else {"model_value": check}
    return ClauseFinding(
        id=f"c{i}",
        category=category,
        text=text,
        page=1,
        start=0,
        end=len(text),
        normalized=value if check == "kept" else None,
        confidence=0.3,
        tier="self_hosted",
        checks=checks,
        risk=Risk(severity="low", reason="ok"),
    )


def _report(findings: list[ClauseFinding]) -> Report:
    return Report(
        document=DocumentInfo(id="a" * 64, filename="x.pdf", sha256="a" * 64, pages=1),
        status="completed",
        clauses=findings,
        missing=[],
        summary=Summary(key_terms={}, memo=""),
        usage=Usage(),
        timing=Timing(ingest_s=0, review_s=0, total_s=0),
        trace=TraceInfo(id="t"),
    )


def test_the_validators_answers_are_scored_against_the_gold_clauses() -> None:
    gold = {"x": {"Governing Law": ["governed by the laws of Ohio"], "Parties": []}}
    report = _report(
        [
            _finding(1, "Governing Law", "governed by the laws of Ohio", "yes"),  # right, agreed
            _finding(2, "Parties", "Acme Corp.", "yes"),  # wrong, said yes
            _finding(3, "Parties", "Some Other Inc.", "no"),  # wrong, said no
            _finding(4, "Governing Law", "the laws of Ohio govern", "no_answer"),
            _finding(5, "Governing Law", "x", "not_checked"),  # not asked
        ]
    )
    summary = validator_summary({"x": report}, gold)
    assert summary["asked"] == 4 and summary["verdicts"] == 3 and summary["no_answer"] == 1
    assert summary["accuracy"] == round(2 / 3, 4)
    assert summary["accuracy_over_asked"] == 0.5
    assert summary["yes_when_right"] == 1.0 and summary["no_when_wrong"] == 0.5
    assert summary["informedness"] == 0.5
    assert summary["right_share"] == round(1 / 3, 4)


def test_no_questions_give_no_scores() -> None:
    summary = validator_summary({"x": _report([])}, {"x": {}})
    assert summary["asked"] == 0 and summary["accuracy"] is None


def test_the_extractors_values_are_scored_against_gold_clauses_and_answers() -> None:
    gold = {"x": {"Parties": ["ACME CORP."], "Governing Law": ["governed by the laws of Ohio"]}}
    answers = {"x": {"Governing Law": "Ohio"}}
    report = _report(
        [
            _finding(1, "Parties", "ACME CORP., a Delaware corporation", "kept", "Acme Corp."),
            _finding(2, "Parties", "ACME CORP., a Delaware corporation", "kept", "a Delaware"),
            _finding(3, "Governing Law", "governed by the laws of Ohio", "kept", "Ohio"),
            _finding(4, "Document Name", "SUPPLY AGREEMENT", "rejected", ""),
            _finding(5, "Document Name", "SUPPLY AGREEMENT", "no_answer", ""),
            _finding(6, "Governing Law", "x", "not_checked"),  # a validator check: not asked
        ]
    )
    summary = extractor_summary({"x": report}, gold, answers)
    assert summary["asked"] == 5 and summary["kept"] == 3 and summary["right"] == 2
    assert summary["rejected"] == 1 and summary["no_answer"] == 1
    assert summary["accuracy_over_asked"] == 0.4
    assert summary["by_category"]["Parties"] == {"asked": 2, "right": 1}
    assert summary["by_category"]["Document Name"] == {"asked": 2, "right": 0}


def test_an_eval_names_each_set_of_models_behind_its_reports_once() -> None:
    shipped = ModelVersions(clause_model="c1", phrase_model="p1", encoder="e1")
    reports = [
        _report([]).model_copy(update={"models": shipped}),
        _report([]).model_copy(update={"models": shipped}),
        _report([]),  # stored before versions were kept: says nothing
    ]
    assert model_versions(reports) == [
        {"clause_model": "c1", "phrase_model": "p1", "encoder": "e1"}
    ]
    retrained = ModelVersions(clause_model="c2", phrase_model="p1")
    both = model_versions([*reports, _report([]).model_copy(update={"models": retrained})])
    assert [m["clause_model"] for m in both] == ["c1", "c2"] and both[1]["encoder"] is None
