"""Reports and batch results as CSV, JSON lines and zip archives."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

CLAUSE_COLUMNS = (
    "document_id",
    "filename",
    "clause_id",
    "category",
    "page",
    "start",
    "end",
    "text",
    "normalized",
    "confidence",
    "tier",
    "escalated",
    "severity",
    "risk_reason",
    "checks",
)


def clause_rows(report: Mapping[str, Any]) -> Iterable[dict[str, object]]:
    """Yield one row per finding of a schema-v1 report."""
    document = report.get("document", {})
    for clause in report.get("clauses", []):
        risk = clause.get("risk") or {}
        yield {
            "document_id": document.get("id"),
            "filename": document.get("filename"),
            "clause_id": clause["id"],
            "category": clause["category"],
            "page": clause["page"],
            "start": clause["start"],
            "end": clause["end"],
            "text": clause["text"],
            "normalized": clause.get("normalized"),
            "confidence": clause.get("confidence"),
            "tier": clause.get("tier"),
            "escalated": clause.get("escalated"),
            "severity": risk.get("severity"),
            "risk_reason": risk.get("reason"),
            "checks": json.dumps(clause.get("checks", {}), sort_keys=True),
        }


def reports_csv(reports: Iterable[Mapping[str, Any]]) -> str:
    """Return the findings of several reports as one CSV table."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CLAUSE_COLUMNS)
    writer.writeheader()
    for report in reports:
        writer.writerows(clause_rows(report))
    return out.getvalue()


def jsonl(lines: Iterable[Mapping[str, Any]]) -> str:
    """Return JSON lines."""
    return "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)


def reports_zip(reports: Iterable[tuple[str, Mapping[str, Any]]], manifest: str) -> bytes:
    """Return a zip of `<document id>.json` reports plus a manifest in JSON lines."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for document_id, report in reports:
            archive.writestr(f"reports/{document_id}.json", json.dumps(report, indent=2))
        archive.writestr("manifest.jsonl", manifest)
    return buffer.getvalue()
