"""Zip uploads read in memory: each entry is taken in, refused with a reason, or skipped."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from app.config import UploadSettings
from app.errors import BadDocumentError, PayloadTooLargeError, UnsupportedMediaError
from app.ingestion.pdf import check_pdf_bytes

MAX_NAME_CHARS = 255
UNNAMED = "unnamed.pdf"
_CHUNK_BYTES = 1024 * 1024
_ENCRYPTED_FLAG = 0x1
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_ARCHIVE_SUFFIXES = (".zip", ".7z", ".rar", ".tar", ".tgz", ".gz", ".bz2", ".xz")
# Controls, format characters (a bidi override can disguise an extension) and line separators:
# none belongs in a one-line name shown to a user.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# What the stdlib raises for a damaged archive or entry: bad CRC, bad deflate data, truncation,
# a compression method it does not implement.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


@dataclass(frozen=True)
class Upload:
    """One file to take in; `name` is for display only and never used as a path."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Refusal:
    """One file refused, with the HTTP status it would get (413, 415 or 422) and a reason."""

    name: str
    status_code: int
    reason: str

    @classmethod
    def from_error(cls, name: str, error: BadDocumentError) -> Refusal:
        """Build the refusal that `error` stands for."""
        return cls(name, error.status_code, error.reason)


def display_name(raw: str) -> str:
    """Return a name fit for display: basename, no control characters, at most 255 characters."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in base if unicodedata.category(c) not in _HIDDEN_CATEGORIES).strip()
    if name in ("", ".", ".."):
        return UNNAMED
    return _shorten(name)


def _shorten(name: str) -> str:
    if len(name) <= MAX_NAME_CHARS:
        return name
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and len(suffix) <= 10:
        # Keep the extension, so a long contract name still reads as a .pdf.
        return stem[: MAX_NAME_CHARS - len(suffix) - 1] + "." + suffix
    return name[:MAX_NAME_CHARS]


def read_zip(data: bytes, limits: UploadSettings) -> tuple[list[Upload], list[Refusal]]:
    """Take the PDFs out of a zip in memory; refuse bad entries, raise for a bad archive."""
    with _open_archive(data) as archive:
        entries = [info for info in archive.infolist() if not _is_skipped(info)]
        _check_declared_sizes(entries, limits)
        return _read_entries(archive, entries, limits)


def _open_archive(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise BadDocumentError(f"not a zip archive, or a corrupt one ({_first_line(exc)})") from exc


def _is_skipped(info: zipfile.ZipInfo) -> bool:
    parts = info.filename.replace("\\", "/").split("/")
    # Folders and the metadata macOS adds to every zip it makes are not files a user chose.
    return (
        info.is_dir()
        or parts[0] == "__MACOSX"
        or parts[-1].startswith("._")
        or parts[-1] == ".DS_Store"
    )


def _check_declared_sizes(entries: list[zipfile.ZipInfo], limits: UploadSettings) -> None:
    if len(entries) > limits.max_zip_entries:
        raise PayloadTooLargeError(
            f"archive has {len(entries)} files, more than the limit {limits.max_zip_entries}"
        )
    if sum(info.file_size for info in entries) > limits.max_zip_total_bytes:
        raise _expands_too_far(limits)


def _expands_too_far(limits: UploadSettings) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"archive expands to more than {limits.max_zip_total_mb:g} MB")


def _too_large(limits: UploadSettings) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"file is larger than the limit of {limits.max_file_mb:g} MB")


def _read_entries(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], limits: UploadSettings
) -> tuple[list[Upload], list[Refusal]]:
    uploads: list[Upload] = []
    refusals: list[Refusal] = []
    expanded = 0
    for info in entries:
        name = display_name(info.filename)
        refused = _refuse_by_header(info, limits)
        if refused is not None:
            refusals.append(Refusal.from_error(name, refused))
            continue
        # Headers can lie: count what really comes out, and stop one byte past the smaller cap.
        budget = limits.max_zip_total_bytes - expanded
        try:
            content = _inflate(archive, info, min(limits.max_file_bytes, budget))
        except _ZIP_ERRORS as exc:
            corrupt = BadDocumentError(f"corrupt zip entry ({_first_line(exc)})")
            refusals.append(Refusal.from_error(name, corrupt))
            continue
        expanded += len(content)
        if expanded > limits.max_zip_total_bytes:
            raise _expands_too_far(limits)
        try:
            uploads.append(_as_upload(name, content, limits))
        except BadDocumentError as exc:
            refusals.append(Refusal.from_error(name, exc))
    return uploads, refusals


def _refuse_by_header(info: zipfile.ZipInfo, limits: UploadSettings) -> BadDocumentError | None:
    if _is_unsafe_path(info.filename):
        return BadDocumentError("unsafe path in archive (absolute, or with ..)")
    if info.flag_bits & _ENCRYPTED_FLAG:
        return BadDocumentError("encrypted zip entry (a password is needed to read it)")
    if info.filename.lower().endswith(_ARCHIVE_SUFFIXES):
        return UnsupportedMediaError("nested archive (archives inside an archive are not read)")
    if info.file_size > limits.max_file_bytes:
        return _too_large(limits)
    return None


def _is_unsafe_path(filename: str) -> bool:
    path = filename.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE_LETTER.match(path)) or ".." in path.split("/")


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Return the entry's bytes, stopping one byte past `limit` so a bomb never expands fully."""
    buffer = bytearray()
    with archive.open(info) as stream:
        while len(buffer) <= limit:
            chunk = stream.read(min(_CHUNK_BYTES, limit + 1 - len(buffer)))
            if not chunk:
                break
            buffer += chunk
    return bytes(buffer)


def _as_upload(name: str, content: bytes, limits: UploadSettings) -> Upload:
    if len(content) > limits.max_file_bytes:
        raise _too_large(limits)
    check_pdf_bytes(content)
    return Upload(name, content)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:120] if text else type(exc).__name__
