"""Browser sessions for the web UI: a signed cookie holding the API key's id, never the key.

Cookie-authenticated requests that change anything must carry the `X-Lexcrew-UI` header: a
cross-site page cannot add a custom header without a CORS preflight, which this API never
grants, so the header stops cross-site request forgery (on top of SameSite=strict).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import Request

from app.config import Settings
from app.errors import AuthenticationError
from app.storage.models import Workspace
from app.workspaces.service import Workspaces

UI_HEADER = "X-Lexcrew-UI"
SESSION_KEY = "api_key_id"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_secret(settings: Settings) -> str:
    """The configured secret, or a random one created once (0600) in the data dir."""
    if settings.api.session_secret is not None:
        return settings.api.session_secret.get_secret_value()
    path: Path = settings.data_dir / ".session_secret"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def sign_in(request: Request, workspaces: Workspaces, key: str) -> Workspace:
    """Check a key and remember its id in the session."""
    workspace, key_id = workspaces.sign_in(key.strip())
    request.session.clear()
    request.session[SESSION_KEY] = key_id
    return workspace


def sign_out(request: Request) -> None:
    request.session.clear()


def session_workspace(request: Request, workspaces: Workspaces) -> Workspace | None:
    """The signed-in workspace, or None when the request has no session."""
    if "session" not in request.scope:
        return None
    key_id = request.session.get(SESSION_KEY)
    if not isinstance(key_id, str):
        return None
    if request.method not in _SAFE_METHODS and request.headers.get(UI_HEADER) != "1":
        raise AuthenticationError(f"a signed-in browser must send the {UI_HEADER} header")
    return workspaces.by_key_id(key_id)
