"""Typed dependencies: the resources, a database session, the caller's workspace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.api.resources import Resources
from app.api.session import session_workspace
from app.errors import AuthenticationError
from app.storage.models import Workspace

_bearer = HTTPBearer(
    auto_error=False, description="A workspace API key: `lexcrew workspace create`"
)


def get_resources(request: Request) -> Resources:
    """Return the resources built in the lifespan."""
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_session(resources: ResourcesDep) -> Iterator[Session]:
    """Yield a read session for one request."""
    with resources.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_workspace(
    request: Request,
    resources: ResourcesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Workspace:
    """Resolve `Authorization: Bearer <key>` (or the web UI's session) to the workspace."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return resources.workspaces.authenticate(credentials.credentials)
    signed_in = session_workspace(request, resources.workspaces)
    if signed_in is None:
        raise AuthenticationError("missing API key: send 'Authorization: Bearer <key>'")
    return signed_in


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]
