"""The web UI's session: the key never leaves the server, and a cookie alone cannot change data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.api.main import create_app
from app.config import Settings
from app.evaluation.drift import DriftMonitor
from app.storage.db import transaction
from app.storage.migrate import open_database
from app.storage.models import ApiKey
from app.workspaces.service import Workspaces

pytestmark = pytest.mark.integration


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[TestClient, Workspaces, str]]:
    settings = Settings(data_dir=tmp_path)
    _engine, sessions = open_database(settings)
    workspaces = Workspaces(sessions)
    _workspace, key = workspaces.create("acme")
    with TestClient(create_app(settings)) as client:
        yield client, workspaces, key


def test_signing_in_keeps_the_key_out_of_the_cookie(
    service: tuple[TestClient, Workspaces, str],
) -> None:
    client, _workspaces, key = service
    assert client.get("/ui/documents", follow_redirects=False).headers["location"] == "/ui/login"
    refused = client.post("/ui/login", data={"key": "lxk_nope"})
    assert refused.status_code == 401 and "unknown or revoked API key" in refused.text

    done = client.post("/ui/login", data={"key": key}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/ui/documents"
    cookie = done.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert key not in cookie and key[4:20] not in cookie
    assert client.get("/ui/documents").status_code == 200
    assert client.get("/api/v1/documents").status_code == 200  # the JSON API, by cookie


def test_a_cookie_alone_cannot_change_anything(
    service: tuple[TestClient, Workspaces, str], sample_bytes: bytes
) -> None:
    client, _workspaces, key = service
    client.post("/ui/login", data={"key": key})
    files = {"files": ("a.pdf", sample_bytes, "application/pdf")}
    forged = client.post("/api/v1/documents", files=files)
    assert forged.status_code == 401 and "X-Lexcrew-UI" in forged.json()["detail"]
    posted = client.post("/api/v1/documents", files=files, headers={"X-Lexcrew-UI": "1"})
    assert posted.status_code == 202


def test_revoking_the_key_ends_its_sessions(
    service: tuple[TestClient, Workspaces, str],
) -> None:
    client, workspaces, key = service
    client.post("/ui/login", data={"key": key})
    with transaction(workspaces.sessions) as session:
        session.execute(update(ApiKey).values(revoked_at=ApiKey.created_at))
    assert client.get("/ui/documents", follow_redirects=False).headers["location"] == "/ui/login"
    assert client.get("/api/v1/documents").status_code == 401


def test_the_drift_banner_names_the_models_that_changed_since_the_baseline(
    service: tuple[TestClient, Workspaces, str], tmp_path: Path
) -> None:
    client, _workspaces, key = service
    monitor = DriftMonitor(open_database(Settings(data_dir=tmp_path))[1])
    headline = {"clause_f1": 0.6, "presence_f1": 0.8, "aupr": 0.5, "precision_at_80_recall": 0.3}
    old: list[dict[str, str | None]] = [
        {"clause_model": "aaaaaaaaaaaa", "phrase_model": "pppppppppppp", "encoder": "e1"}
    ]
    monitor.record("samples:abc", headline, models=old)
    new = [{**old[0], "clause_model": "bbbbbbbbbbbb"}]
    monitor.record("samples:abc", {**headline, "aupr": 0.4}, models=new)
    client.post("/ui/login", data={"key": key})
    page = client.get("/ui/documents").text
    assert "Quality drift" in page and "aupr" in page
    assert "trained models changed" in page
    assert "clause_model aaaaaaaaaaaa -&gt; bbbbbbbbbbbb" in page
