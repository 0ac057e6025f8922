"""Create workspaces, issue API keys, and resolve a presented key to its workspace."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import AuthenticationError, ConflictError
from app.storage.db import SessionFactory, transaction
from app.storage.models import ApiKey, Workspace

KEY_PREFIX = "lxk_"
# The CLI's own workspace: `lexcrew submit` and the embedded worker use it without a key.
LOCAL_WORKSPACE = "local"


def hash_key(key: str) -> str:
    """Return the stored form of a key (keys are 256-bit random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """Return a fresh random API key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


class Workspaces:
    """Workspace and key management over the database."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def create(
        self, name: str, local_only: bool = True, trace_content: bool = False
    ) -> tuple[Workspace, str]:
        """Create a workspace and its first key; the key is returned once and never stored."""
        workspace = Workspace(
            id=uuid.uuid4().hex, name=name, local_only=local_only, trace_content=trace_content
        )
        key = new_key()
        try:
            with transaction(self.sessions) as session:
                session.add(workspace)
                session.flush()
                session.add(self._key_row(workspace.id, key))
        except IntegrityError as exc:
            raise ConflictError(f"a workspace named '{name}' already exists") from exc
        return workspace, key

    def add_key(self, workspace_name: str) -> str:
        """Issue another key for an existing workspace."""
        key = new_key()
        with transaction(self.sessions) as session:
            workspace = session.scalar(select(Workspace).where(Workspace.name == workspace_name))
            if workspace is None:
                raise AuthenticationError(f"no workspace named '{workspace_name}'")
            session.add(self._key_row(workspace.id, key))
        return key

    def ensure_local(self) -> Workspace:
        """Return the CLI's local workspace, creating it (without a key) on first use."""
        with transaction(self.sessions) as session:
            found = session.get(Workspace, LOCAL_WORKSPACE)
            if found is not None:
                return found
            workspace = Workspace(id=LOCAL_WORKSPACE, name=LOCAL_WORKSPACE, local_only=True)
            session.add(workspace)
            return workspace

    def first_start(self, name: str = "default") -> str | None:
        """Create a first workspace when there is none with keys; return its key, else None."""
        with self.sessions() as session:
            if session.scalar(select(ApiKey.id).limit(1)) is not None:
                return None
        try:
            return self.create(name)[1]
        except ConflictError:
            return self.add_key(name)

    def authenticate(self, key: str) -> Workspace:
        """Return the workspace of a valid, unrevoked key, or raise AuthenticationError."""
        return self.sign_in(key)[0]

    def sign_in(self, key: str) -> tuple[Workspace, str]:
        """Return the workspace and the key's id (what a browser session keeps, never the key)."""
        if not key.startswith(KEY_PREFIX):
            raise AuthenticationError("malformed API key")
        digest = hash_key(key)
        with self.sessions() as session:
            row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
            # The lookup is by hash; compare again in constant time for good measure.
            if (
                row is None
                or row.revoked_at is not None
                or not hmac.compare_digest(row.key_hash, digest)
            ):
                raise AuthenticationError("unknown or revoked API key")
            workspace = session.get(Workspace, row.workspace_id)
            key_id = row.id
        if workspace is None:
            raise AuthenticationError("unknown or revoked API key")
        return workspace, key_id

    def by_key_id(self, key_id: str) -> Workspace:
        """The workspace of a signed-in browser session, while its key is not revoked."""
        with self.sessions() as session:
            row = session.get(ApiKey, key_id)
            workspace = None if row is None else session.get(Workspace, row.workspace_id)
            if row is None or row.revoked_at is not None or workspace is None:
                raise AuthenticationError("the session's API key is revoked: sign in again")
            return workspace

    @staticmethod
    def _key_row(workspace_id: str, key: str) -> ApiKey:
        return ApiKey(
            id=uuid.uuid4().hex,
            workspace_id=workspace_id,
            key_hash=hash_key(key),
            prefix=key[: len(KEY_PREFIX) + 4],
        )
