"""Render a report as one self-contained HTML page: the pages beside their findings."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape

from app.review.report import ClauseFinding, Report


@dataclass(frozen=True)
class Segment:
    """A stretch of page text and the findings that cover it (none: plain text)."""

    text: str
    finding_ids: tuple[str, ...]


@dataclass(frozen=True)
class PageView:
    number: int
    segments: tuple[Segment, ...]


def _segments(text: str, offset: int, findings: list[ClauseFinding]) -> tuple[Segment, ...]:
    end = offset + len(text)
    mine = [f for f in findings if f.start < end and f.end > offset]
    cuts = sorted(
        {offset, end, *(max(f.start, offset) for f in mine), *(min(f.end, end) for f in mine)}
    )
    segments = []
    for left, right in itertools.pairwise(cuts):
        ids = tuple(f.id for f in mine if f.start <= left and f.end >= right)
        segments.append(Segment(text[left - offset : right - offset], ids))
    return tuple(s for s in segments if s.text)


def page_views(report: Report, text: str, pages: list[tuple[int, int]]) -> list[PageView]:
    """Split the served text into pages, each cut where findings start and end."""
    return [
        PageView(number, _segments(text[start:end], start, report.clauses))
        for number, (start, end) in enumerate(pages, start=1)
    ]


def render_report_html(report: Report, text: str, pages: list[tuple[int, int]]) -> str:
    """Return the report page; every bit of contract text is HTML-escaped."""
    env = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    css = resources.files("web").joinpath("static/report.css").read_text(encoding="utf-8")
    categories: dict[str, list[ClauseFinding]] = {}
    for clause in report.clauses:
        categories.setdefault(clause.category, []).append(clause)
    return env.get_template("report.html").render(
        report=report, pages=page_views(report, text, pages), categories=categories, css=css
    )
