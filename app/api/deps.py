"""Typed dependencies: the resources, a database session, the caller's workspace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.api.resources import Resources
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
    resources: ResourcesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Workspace:
    """Resolve `Authorization: Bearer <key>` to the caller's workspace."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("missing API key: send 'Authorization: Bearer <key>'")
    return resources.workspaces.authenticate(credentials.credentials)


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]
