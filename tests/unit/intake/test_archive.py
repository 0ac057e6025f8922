from __future__ import annotations

import io
import zipfile

import pytest

from app.config import UploadSettings
from app.errors import BadDocumentError, PayloadTooLargeError
from app.intake.archive import Refusal, Upload, display_name, read_zip
from tests.support.hostile import tiny_png, zip_bomb

LIMITS = UploadSettings()


def make_zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def corrupt_first_entry(data: bytes) -> bytes:
    """Flip bytes in the middle of the first entry's compressed data."""
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode())
    middle = start + info.compress_size // 2
    damaged = bytearray(data)
    for offset in range(middle, middle + 64):
        damaged[offset] ^= 0xFF
    return bytes(damaged)


def mark_first_entry_encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' flag of the first entry, as an encrypting zip tool would."""
    flagged = bytearray(data)
    flagged[6] |= 0x1  # local header
    flagged[flagged.find(b"PK\x01\x02") + 8] |= 0x1  # central directory
    return bytes(flagged)


def by_name(refusals: list[Refusal]) -> dict[str, Refusal]:
    return {refusal.name: refusal for refusal in refusals}


# --- display names ---


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("contract.pdf", "contract.pdf"),
        ("deals/2020/contract.pdf", "contract.pdf"),
        ("C:\\Users\\ann\\contract.pdf", "contract.pdf"),
        ("../../etc/passwd", "passwd"),
        ("\x1b[31mred\x07.pdf", "[31mred.pdf"),
        ("line\nbreak.pdf", "linebreak.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("  spaced.pdf  ", "spaced.pdf"),
        ("", "unnamed.pdf"),
        ("folder/", "unnamed.pdf"),
        ("../..", "unnamed.pdf"),
        ("\x00\x01", "unnamed.pdf"),
    ],
)
def test_display_name_is_a_clean_basename(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


def test_long_display_names_are_cut_to_255_chars_keeping_the_extension() -> None:
    shown = display_name("x" * 300 + ".pdf")
    assert len(shown) == 255
    assert shown.endswith(".pdf")
    assert len(display_name("y" * 300)) == 255


# --- accepted entries ---


def test_pdf_entries_are_taken_in_under_their_display_names(sample_bytes: bytes) -> None:
    data = make_zip({"deals/2020/agency.pdf": sample_bytes, "other.PDF": sample_bytes})
    uploads, refusals = read_zip(data, LIMITS)
    assert uploads == [Upload("agency.pdf", sample_bytes), Upload("other.PDF", sample_bytes)]
    assert refusals == []


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
def test_every_stdlib_compression_is_read(sample_bytes: bytes, compression: int) -> None:
    uploads, _ = read_zip(make_zip({"a.pdf": sample_bytes}, compression), LIMITS)
    assert [upload.data for upload in uploads] == [sample_bytes]


def test_pdfs_are_recognised_by_their_bytes_not_their_names(sample_bytes: bytes) -> None:
    data = make_zip({"contract.bin": sample_bytes, "picture.pdf": tiny_png()})
    uploads, refusals = read_zip(data, LIMITS)
    assert [upload.name for upload in uploads] == ["contract.bin"]
    assert refusals == [Refusal("picture.pdf", 415, "not a PDF (no %PDF- header)")]


def test_folders_and_macos_metadata_are_skipped_silently(sample_bytes: bytes) -> None:
    data = make_zip(
        {
            "deals/": b"",
            "deals/agency.pdf": sample_bytes,
            "__MACOSX/deals/._agency.pdf": b"\x00\x05\x16\x07 apple double",
            "deals/._agency.pdf": b"\x00\x05\x16\x07 apple double",
            "deals/.DS_Store": b"\x00\x00\x00\x01Bud1",
        }
    )
    uploads, refusals = read_zip(data, LIMITS)
    assert [upload.name for upload in uploads] == ["agency.pdf"]
    assert refusals == []


def test_an_archive_of_only_refused_entries_is_not_an_error() -> None:
    assert read_zip(make_zip({"notes.txt": b"hello"}), LIMITS)[0] == []


# --- refused entries: the rest of the archive goes on ---


def test_unsafe_paths_are_refused_and_the_good_entry_is_taken(
    corpus: dict[str, tuple[bytes, int, str]], sample_bytes: bytes
) -> None:
    data, status, fragment = corpus["traversal.zip"]
    uploads, refusals = read_zip(data, LIMITS)
    assert uploads == [Upload("good.pdf", sample_bytes)]
    assert sorted(refusal.name for refusal in refusals) == ["abs.pdf", "evil.pdf"]
    for refusal in refusals:
        assert refusal.status_code == status
        assert fragment in refusal.reason.lower()


@pytest.mark.parametrize(
    "name",
    ["..\\..\\windows\\evil.pdf", "deals/../../evil.pdf", "C:/evil.pdf", "\\\\server\\evil.pdf"],
)
def test_other_unsafe_spellings_are_refused(sample_bytes: bytes, name: str) -> None:
    uploads, refusals = read_zip(make_zip({name: sample_bytes}), LIMITS)
    assert uploads == []
    assert [(r.name, r.status_code) for r in refusals] == [("evil.pdf", 422)]
    assert "unsafe path" in refusals[0].reason


def test_nested_archives_are_refused_as_unsupported(sample_bytes: bytes) -> None:
    inner = make_zip({"inner.pdf": sample_bytes})
    data = make_zip({"more.zip": inner, "agency.pdf": sample_bytes})
    uploads, refusals = read_zip(data, LIMITS)
    assert [upload.name for upload in uploads] == ["agency.pdf"]
    assert [(r.name, r.status_code) for r in refusals] == [("more.zip", 415)]
    assert "nested archive" in refusals[0].reason


def test_encrypted_entries_are_refused(sample_bytes: bytes) -> None:
    data = mark_first_entry_encrypted(
        make_zip({"secret.pdf": sample_bytes, "open.pdf": sample_bytes})
    )
    uploads, refusals = read_zip(data, LIMITS)
    assert [upload.name for upload in uploads] == ["open.pdf"]
    assert [(r.name, r.status_code) for r in refusals] == [("secret.pdf", 422)]
    assert "encrypted" in refusals[0].reason


def test_a_damaged_entry_is_refused_and_the_others_are_taken(sample_bytes: bytes) -> None:
    data = corrupt_first_entry(make_zip({"damaged.pdf": sample_bytes, "fine.pdf": sample_bytes}))
    uploads, refusals = read_zip(data, LIMITS)
    assert [upload.name for upload in uploads] == ["fine.pdf"]
    assert [(r.name, r.status_code) for r in refusals] == [("damaged.pdf", 422)]
    assert "corrupt zip entry" in refusals[0].reason


def test_an_empty_entry_is_refused() -> None:
    _, refusals = read_zip(make_zip({"blank.pdf": b""}), LIMITS)
    assert refusals == [Refusal("blank.pdf", 422, "empty file (0 bytes)")]


def test_an_entry_over_the_file_limit_is_refused_and_the_others_are_taken(
    sample_bytes: bytes,
) -> None:
    limits = UploadSettings(max_file_mb=1)
    big = b"%PDF-1.7\n" + bytes(2 * 1024 * 1024)
    uploads, refusals = read_zip(make_zip({"big.pdf": big, "agency.pdf": sample_bytes}), limits)
    assert [upload.name for upload in uploads] == ["agency.pdf"]
    assert refusals == [Refusal("big.pdf", 413, "file is larger than the limit of 1 MB")]


# --- refused archives ---


@pytest.mark.parametrize("data", [b"", b"plain text, not a zip", b"PK\x03\x04" + bytes(100)])
def test_something_that_is_not_a_zip_is_refused(data: bytes) -> None:
    with pytest.raises(BadDocumentError) as caught:
        read_zip(data, LIMITS)
    assert caught.value.status_code == 422
    assert "not a zip archive" in caught.value.reason


def test_a_truncated_zip_is_refused(sample_bytes: bytes) -> None:
    data = make_zip({"a.pdf": sample_bytes, "b.pdf": sample_bytes})
    with pytest.raises(BadDocumentError, match="not a zip archive, or a corrupt one"):
        read_zip(data[: len(data) // 2], LIMITS)


def test_too_many_files_are_refused_but_skipped_entries_do_not_count(sample_bytes: bytes) -> None:
    limits = UploadSettings(max_zip_entries=2)
    two = {"a.pdf": sample_bytes, "b.pdf": sample_bytes, "__MACOSX/._a.pdf": b"", "d/": b""}
    assert len(read_zip(make_zip(two), limits)[0]) == 2
    with pytest.raises(PayloadTooLargeError) as caught:
        read_zip(make_zip({**two, "c.pdf": sample_bytes}), limits)
    assert caught.value.status_code == 413
    assert caught.value.reason == "archive has 3 files, more than the limit 2"


def test_a_zip_bomb_is_refused_from_its_declared_size(
    corpus: dict[str, tuple[bytes, int, str]],
) -> None:
    data, status, fragment = corpus["bomb.zip"]
    with pytest.raises(PayloadTooLargeError) as caught:
        read_zip(data, LIMITS)
    assert caught.value.status_code == status
    assert caught.value.reason == "archive expands to more than 2048 MB"
    assert fragment in caught.value.reason.lower()


def test_many_small_entries_over_the_total_limit_are_refused() -> None:
    limits = UploadSettings(max_file_mb=1, max_zip_total_mb=2)
    entry = b"%PDF-1.7\n" + bytes(900 * 1024)
    with pytest.raises(PayloadTooLargeError, match="archive expands to more than 2 MB"):
        read_zip(make_zip({f"{n}.pdf": entry for n in range(3)}), limits)


def test_a_bomb_whose_headers_lie_never_expands_past_them() -> None:
    # 1 GB of zeros declared as 1 MB: reading stops at the declared size and the CRC fails.
    uploads, refusals = read_zip(zip_bomb(1024, declared_mb=1), LIMITS)
    assert uploads == []
    assert [(r.name, r.status_code) for r in refusals] == [("zeros.pdf", 422)]
    assert "corrupt zip entry" in refusals[0].reason
