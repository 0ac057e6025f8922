"""Content-addressed document files under the data dir: the PDF, its text, its report."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from app.ingestion.types import ExtractedText
from app.review.report import Report

ORIGINAL, REPORT, FAILURE = "original.pdf", "report.json", "failure.json"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


class DocumentFiles:
    """One folder per document id (its sha256); writes are atomic."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, document_id: str) -> Path:
        """Return the folder of a document (ids are hex digests, never user file names)."""
        if not document_id.isalnum():
            raise ValueError("document ids are hex digests")
        return self.root / document_id

    def save_pdf(self, document_id: str, data: bytes, filename: str) -> Path:
        """Keep the original bytes once, with the name the user gave them (as data, not a path)."""
        path = self.folder(document_id) / ORIGINAL
        if not path.exists():
            _atomic_write(path, data)
        meta = self.folder(document_id) / "meta.json"
        if not meta.exists():
            _atomic_write(meta, json.dumps({"filename": filename}).encode())
        return path

    def load_pdf(self, document_id: str) -> tuple[bytes, str] | None:
        """Return a stored document's bytes and file name, or None when it is gone."""
        folder = self.folder(document_id)
        try:
            data = (folder / ORIGINAL).read_bytes()
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return data, str(meta["filename"])

    def save_failure(self, document_id: str, reason: str) -> Path:
        """Keep the one-line reason a document could not be reviewed (the latest outcome wins)."""
        path = self.folder(document_id) / FAILURE
        _atomic_write(path, json.dumps({"status": "failed", "reason": reason}).encode())
        (self.folder(document_id) / REPORT).unlink(missing_ok=True)
        return path

    def outcome(self, document_id: str) -> str | None:
        """Return the latest report or failure as JSON, `{"status": "queued"}` when there is
        none yet, or None when the document is not stored at all."""
        folder = self.folder(document_id)
        for name in (REPORT, FAILURE):
            if (folder / name).is_file():
                return (folder / name).read_text(encoding="utf-8")
        return json.dumps({"status": "queued"}) if (folder / ORIGINAL).is_file() else None

    def save_text(self, text: ExtractedText) -> Path:
        """Keep the extracted text with its page offsets."""
        path = self.folder(text.document_id) / "text.json"
        _atomic_write(path, json.dumps(asdict(text)).encode())
        return path

    def load_text(self, document_id: str) -> tuple[str, list[tuple[int, int]]]:
        """Return a document's served text and its (start, end) offsets per page."""
        raw = json.loads((self.folder(document_id) / "text.json").read_text(encoding="utf-8"))
        return str(raw["text"]), [(int(p["start"]), int(p["end"])) for p in raw["pages"]]

    def save_report(self, report: Report) -> Path:
        """Keep the latest report."""
        path = self.folder(report.document.id) / REPORT
        _atomic_write(path, report.model_dump_json(indent=2).encode())
        (self.folder(report.document.id) / FAILURE).unlink(missing_ok=True)
        return path
