"""Read multipart files with a size cap, and open zips safely, before intake sees them."""

from __future__ import annotations

from fastapi import UploadFile

from app.config import UploadSettings
from app.errors import BadDocumentError
from app.intake.archive import Refusal, Upload, display_name, read_zip

ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1024 * 1024


async def _read_capped(file: UploadFile, cap: int) -> bytes | None:
    # Read at most cap + 1 bytes: a larger file is refused without holding it all.
    parts, size = [], 0
    while size <= cap:
        part = await file.read(min(_CHUNK, cap + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return None if size > cap else b"".join(parts)


async def read_files(
    files: list[UploadFile], limits: UploadSettings, zips: bool
) -> tuple[list[Upload], list[Refusal]]:
    """Return the uploads to check and the files refused already (too large, bad zips)."""
    uploads: list[Upload] = []
    refused: list[Refusal] = []
    for file in files:
        name = display_name(file.filename or "")
        is_zip_name = name.lower().endswith(".zip")
        cap = limits.max_zip_bytes if zips and is_zip_name else limits.max_file_bytes
        data = await _read_capped(file, cap)
        if data is None:
            refused.append(Refusal(name, 413, f"file is larger than {cap // (1024 * 1024)} MB"))
            continue
        if not data.startswith(ZIP_MAGIC):
            uploads.append(Upload(name, data))
            continue
        if not zips:
            refused.append(Refusal(name, 415, "zip archives are accepted by /api/v1/batches only"))
            continue
        try:
            inner, inner_refused = read_zip(data, limits)
        except BadDocumentError as exc:
            refused.append(Refusal(name, exc.status_code, exc.reason))
            continue
        uploads += [Upload(f"{name}/{u.name}", u.data) for u in inner]
        refused += [Refusal(f"{name}/{r.name}", r.status_code, r.reason) for r in inner_refused]
    return uploads, refused
