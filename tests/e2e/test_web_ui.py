"""A lawyer's path through the web UI, in a real browser against a live service and worker."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import SAMPLE_PDF
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e


def _sign_in(page: Page, live: Stack, key: str) -> None:
    page.goto(f"{live.base_url}/ui/documents")
    expect(page).to_have_url(f"{live.base_url}/ui/login")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Upload contracts")).to_be_visible()


def _give_feedback(page: Page, report: dict[str, object]) -> None:
    clauses = report["clauses"]
    assert isinstance(clauses, list) and len(clauses) >= 3
    first, second, third = (c["id"] for c in clauses[:3])
    page.locator(f"#finding-{first} button[data-action=accept]").click()
    expect(page.locator(f"#finding-{first} .verdict")).to_have_text("accepted")
    box = page.locator(f"#finding-{second}")
    box.locator("summary").click()
    words = str(clauses[1]["text"]).split()
    box.locator("textarea").fill(" ".join(words[: max(3, len(words) // 2)]))
    box.locator("input").fill("corrected by e2e")
    box.locator("button[data-action=correct]").click()
    expect(box.locator(".verdict")).to_have_text("corrected: corrected by e2e")
    page.locator(f"#finding-{third} button[data-action=reject]").click()
    expect(page.locator(f"#finding-{third} .verdict")).to_have_text("rejected")


def test_a_wrong_key_is_refused_with_a_message(browser: Browser, live: Stack) -> None:
    page = browser.new_page()
    page.goto(f"{live.base_url}/ui/login")
    page.get_by_label("API key").fill("lxk_not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown or revoked API key")
    page.close()


def test_upload_review_feedback_queue_batches_and_costs(
    browser: Browser, live: Stack, shots: Path, tmp_path: Path
) -> None:
    key = live.workspace("e2e-ui")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    _sign_in(page, live, key)
    assert key not in page.url  # the key lives in the server's session, never in a URL

    page.set_input_files("#files", [str(SAMPLE_PDF), str(Path(__file__))])
    uploads = page.locator("#uploads li")
    expect(uploads.filter(has_text=SAMPLE_PDF.name)).to_contain_text("accepted")
    expect(uploads.filter(has_text="test_web_ui.py")).to_contain_text("refused")
    row = page.locator("#rows tr", has_text=SAMPLE_PDF.name)
    expect(row).to_be_visible()
    page.screenshot(path=str(shots / "upload.png"))

    expect(row).to_have_attribute("data-status", "completed", timeout=300_000)
    page.screenshot(path=str(shots / "documents.png"))
    row.get_by_role("link", name=SAMPLE_PDF.name).click()

    marks = page.locator("mark.finding")
    expect(marks.first).to_be_visible()
    first = page.locator("a.goto").first
    finding = first.get_attribute("data-finding")
    first.click()
    active = page.locator(f"mark.{finding}.active").first
    expect(active).to_be_visible()
    expect(active).to_be_in_viewport()
    page.screenshot(path=str(shots / "review.png"))

    document_id = page.url.rsplit("/", 1)[-1]
    report = page.request.get(f"{live.base_url}/api/v1/documents/{document_id}/report").json()
    _give_feedback(page, report)
    saved = page.request.get(f"{live.base_url}/api/v1/documents/{document_id}/feedback").json()
    by_clause = {f["clause_id"]: f for f in saved}
    first, second, third = (c["id"] for c in report["clauses"][:3])
    assert by_clause[first]["action"] == "accept" and by_clause[third]["action"] == "reject"
    corrected = by_clause[second]
    assert corrected["action"] == "correct" and corrected["value"] == "corrected by e2e"
    text = page.request.get(f"{live.base_url}/api/v1/documents/{document_id}/text").json()["text"]
    assert text[corrected["start"] : corrected["end"]] == corrected["text"]  # grounded
    page.reload()
    expect(page.locator(f"#finding-{first} .verdict")).to_have_text("accepted")
    training = page.request.get(f"{live.base_url}/api/v1/feedback/export").text().splitlines()
    assert len(training) == 3

    page.get_by_role("link", name="Trace of this review").click()
    tree = page.get_by_role("tree", name="Run tree")
    expect(tree).to_contain_text("extractor")  # the sample's parties need its values
    expect(tree).to_contain_text("self_hosted")
    page.screenshot(path=str(shots / "trace.png"))

    page.goto(f"{live.base_url}/ui/queue")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    page.screenshot(path=str(shots / "review-queue.png"))

    page.goto(f"{live.base_url}/ui/documents")
    archive = tmp_path / "contracts.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(SAMPLE_PDF, SAMPLE_PDF.name)
        zf.writestr("notes.txt", "not a contract")
    page.set_input_files("#files", str(archive))
    expect(page.locator("#uploads li", has_text="contracts.zip")).to_contain_text("refusals")
    page.goto(f"{live.base_url}/ui/batches")
    batch = page.locator("article.batch").first
    expect(batch).to_contain_text("2 of 2 done")
    expect(batch.get_by_role("link", name="CSV")).to_be_visible()
    page.screenshot(path=str(shots / "batches.png"))

    page.goto(f"{live.base_url}/ui/costs")
    expect(
        page.get_by_role("heading", name="Break-even: API only, self-hosted, hybrid")
    ).to_be_visible()
    expect(page.locator("figure.chart svg")).to_be_visible()
    expect(page.locator("table.documents")).to_contain_text("self_hosted")
    page.screenshot(path=str(shots / "costs.png"), full_page=True)
    exported = page.request.get(f"{live.base_url}/api/v1/documents/{document_id}/report?format=csv")
    assert exported.ok
    rows = list(csv.DictReader(io.StringIO(exported.text())))
    assert len(rows) == len(report["clauses"]) > 0
    assert {r["clause_id"] for r in rows} == {c["id"] for c in report["clauses"]}
    context.close()
