"""Document files under the data dir: one folder per workspace and document (its sha256)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

from app.ingestion.types import ExtractedText, PageSpan

ORIGINAL, META, TEXT = "original.pdf", "meta.json", "text.json"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(data)}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _safe_part(value: str) -> str:
    # Ids are hex digests or uuids; anything else never becomes part of a path.
    if not value or not value.replace("-", "").replace("_", "").isalnum():
        raise ValueError("ids are hex digests")
    return value


class DocumentFiles:
    """Content-addressed PDFs and their text, scoped by workspace; writes are atomic."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, workspace_id: str, document_id: str) -> Path:
        """Return the folder of a document (never built from a user's file name)."""
        return self.root / _safe_part(workspace_id) / _safe_part(document_id)

    def save_pdf(self, workspace_id: str, document_id: str, data: bytes, filename: str) -> Path:
        """Keep the original bytes once, with the name the user gave them (as data, not a path)."""
        folder = self.folder(workspace_id, document_id)
        path = folder / ORIGINAL
        if not path.exists():
            _atomic_write(path, data)
        if not (folder / META).exists():
            _atomic_write(folder / META, json.dumps({"filename": filename}).encode())
        return path

    def load_pdf(self, workspace_id: str, document_id: str) -> tuple[bytes, str] | None:
        """Return a stored document's bytes and file name, or None when it is gone."""
        folder = self.folder(workspace_id, document_id)
        try:
            data = (folder / ORIGINAL).read_bytes()
            meta = json.loads((folder / META).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return data, str(meta["filename"])

    def save_text(self, workspace_id: str, text: ExtractedText) -> Path:
        """Keep the extracted text with its page offsets."""
        path = self.folder(workspace_id, text.document_id) / TEXT
        _atomic_write(path, json.dumps(asdict(text)).encode())
        return path

    def load_text(self, workspace_id: str, document_id: str) -> ExtractedText | None:
        """Return a document's extracted text, or None when it has not been ingested."""
        try:
            raw = json.loads(
                (self.folder(workspace_id, document_id) / TEXT).read_text(encoding="utf-8")
            )
        except FileNotFoundError:
            return None
        pages = tuple(
            PageSpan(int(p["number"]), int(p["start"]), int(p["end"])) for p in raw["pages"]
        )
        hidden = tuple((int(a), int(b)) for a, b in raw.get("hidden", ()))
        return ExtractedText(
            str(raw["document_id"]), str(raw["filename"]), str(raw["text"]), pages, hidden
        )

    def erase(self, workspace_id: str, document_id: str) -> None:
        """Remove every file of a document."""
        shutil.rmtree(self.folder(workspace_id, document_id), ignore_errors=True)
