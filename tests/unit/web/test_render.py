from __future__ import annotations

from app.review.report import (
    ClauseFinding,
    DocumentInfo,
    ModelVersions,
    PossibleClause,
    Report,
    Risk,
    Summary,
    Timing,
    TraceInfo,
    Usage,
)
from web.render import page_views, render_report_html

PAGE1 = "SUPPLY AGREEMENT <script>alert(1)</script>"
PAGE2 = "Governed by the laws of Delaware."
TEXT = PAGE1 + "\n\n" + PAGE2
PAGES = [(0, len(PAGE1)), (len(PAGE1) + 2, len(TEXT))]


def _clause(id_: str, category: str, text: str, page: int) -> ClauseFinding:
    start = TEXT.index(text)
    return ClauseFinding(
        id=id_,
        category=category,
        text=text,
        page=page,
        start=start,
        end=start + len(text),
        normalized=None,
        confidence=0.9,
        tier="self_hosted",
        checks={"grounded": True},
        risk=Risk(severity="low", reason="ok"),
    )


REPORT = Report(
    document=DocumentInfo(id="a" * 64, filename="x.pdf", sha256="a" * 64, pages=2),
    status="completed",
    clauses=[
        _clause("c1", "Document Name", "SUPPLY AGREEMENT", 1),
        _clause("c2", "Parties", "SUPPLY", 1),
        _clause("c3", "Governing Law", "laws of Delaware", 2),
    ],
    missing=["Cap on Liability"],
    summary=Summary(key_terms={"Governing Law": "Delaware"}, memo="Risks:\n- none found"),
    usage=Usage(),
    timing=Timing(ingest_s=1, review_s=1, total_s=2),
    trace=TraceInfo(id="t"),
)


def test_each_finding_is_highlighted_on_its_page() -> None:
    views = page_views(REPORT, TEXT, PAGES)
    first = {s.text: s.finding_ids for s in views[0].segments}
    assert first["SUPPLY"] == ("c1", "c2")  # overlapping findings share the span
    assert first[" AGREEMENT"] == ("c1",)
    second = {s.text: s.finding_ids for s in views[1].segments}
    assert second["laws of Delaware"] == ("c3",)
    assert "".join(s.text for s in views[1].segments) == PAGE2


def test_the_page_escapes_contract_text_and_links_findings_to_pages() -> None:
    html = render_report_html(REPORT, TEXT, PAGES)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'class="finding f-c3 "' in html
    assert 'href="#page-2" data-finding="f-c3"' in html
    assert "http://" not in html and "https://" not in html  # no external assets


def test_possible_clauses_are_listed_apart_from_findings() -> None:
    text = "laws of Delaware"
    start = TEXT.index(text)
    possible = PossibleClause(
        category="Governing Law",
        text=text,
        page=2,
        start=start,
        end=start + len(text),
        confidence=0.12,
    )
    html = render_report_html(REPORT.model_copy(update={"possible": [possible]}), TEXT, PAGES)
    section = html[html.index('<details class="possible"') :]
    assert "Possible clauses (1)" in section and "confidence 0.12" in section
    assert "1 possible clauses" in html
    assert 'class="possible"' not in render_report_html(REPORT, TEXT, PAGES)


def test_a_report_stored_before_possible_clauses_still_loads() -> None:
    stored = REPORT.model_dump(mode="json")
    stored.pop("possible")
    assert Report.model_validate(stored).possible == []


def test_the_page_names_the_models_behind_the_report_when_it_knows_them() -> None:
    assert "Models:" not in render_report_html(REPORT, TEXT, PAGES)
    versions = ModelVersions(clause_model="08937d118612", phrase_model="a1b2c3d4e5f6")
    html = render_report_html(REPORT.model_copy(update={"models": versions}), TEXT, PAGES)
    assert "clause 08937d118612" in html and "a1b2c3d4e5f6" in html and "· encoder" not in html
