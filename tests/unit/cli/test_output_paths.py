from __future__ import annotations

from pathlib import Path

from app.cli.main import output_paths


def test_one_pdf_and_a_json_out_is_a_file() -> None:
    assert output_paths([Path("a/x.pdf")], Path("r.json")) == {Path("a/x.pdf"): Path("r.json")}


def test_several_pdfs_go_to_a_folder_one_report_each() -> None:
    paths = output_paths([Path("a/x.pdf"), Path("b/y.pdf")], Path("out"))
    assert paths == {Path("a/x.pdf"): Path("out/x.json"), Path("b/y.pdf"): Path("out/y.json")}


def test_same_stem_from_two_folders_does_not_overwrite() -> None:
    paths = output_paths([Path("a/x.pdf"), Path("b/x.pdf")], Path("out"))
    assert len(set(paths.values())) == 2


def test_no_out_writes_nothing() -> None:
    assert output_paths([Path("x.pdf")], None) == {}
