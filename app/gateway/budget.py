"""Budgets: reserve a call's estimated cost before it runs, settle the real cost after.

Reservations are guarded UPDATEs (`spent + reserved + estimate <= cap`) in one transaction per
call, so concurrent calls in any number of processes cannot overrun a cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.config import BudgetSettings
from app.errors import BudgetExceededError
from app.storage.db import SessionFactory, transaction
from app.storage.models import BudgetCounter


@dataclass(frozen=True)
class Scope:
    kind: str
    scope_id: str
    usd_cap: float | None
    token_cap: int | None


@dataclass(frozen=True)
class Reservation:
    scopes: tuple[Scope, ...]
    usd: float
    tokens: int


def _insert_missing(session: Session, scope: Scope, workspace_id: str) -> None:
    if session.get(BudgetCounter, (scope.kind, scope.scope_id)) is not None:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(BudgetCounter)
        .on_conflict_do_nothing()
        .values(
            scope=scope.kind,
            scope_id=scope.scope_id,
            workspace_id=workspace_id,
            reserved_usd=0.0,
            spent_usd=0.0,
            reserved_tokens=0,
            spent_tokens=0,
        )
    )


class Budgets:
    """Caps per call, document, batch and workspace-day, in USD and tokens."""

    def __init__(self, sessions: SessionFactory, settings: BudgetSettings) -> None:
        self._sessions = sessions
        self._settings = settings

    def call_allows(self, usd: float | None, tokens: int) -> bool:
        """Whether one call of this estimate fits the per-call caps."""
        s = self._settings
        if s.call_tokens is not None and tokens > s.call_tokens:
            return False
        return s.call_usd is None or usd is None or usd <= s.call_usd

    def scopes(
        self, workspace_id: str, document_id: str | None, batch_id: str | None
    ) -> tuple[Scope, ...]:
        """The capped scopes a call of this document counts against."""
        s = self._settings
        day = datetime.now(UTC).date().isoformat()
        found = [
            Scope(
                "workspace_day",
                f"{workspace_id}:{day}",
                s.workspace_day_usd,
                s.workspace_day_tokens,
            ),
        ]
        if document_id:
            found.append(
                Scope(
                    "document", f"{workspace_id}:{document_id}", s.document_usd, s.document_tokens
                )
            )
        if batch_id:
            found.append(Scope("batch", batch_id, s.batch_usd, s.batch_tokens))
        return tuple(x for x in found if x.usd_cap is not None or x.token_cap is not None)

    def reserve(
        self, workspace_id: str, scopes: tuple[Scope, ...], usd: float | None, tokens: int
    ) -> Reservation:
        """Hold the estimate in every scope, or raise BudgetExceededError and hold nothing."""
        amount = usd or 0.0  # an unknown price cannot count against a money cap; tokens do
        if not scopes:
            return Reservation((), amount, tokens)
        with transaction(self._sessions) as session:
            for scope in scopes:
                _insert_missing(session, scope, workspace_id)
                c = BudgetCounter
                guard = update(c).where(c.scope == scope.kind, c.scope_id == scope.scope_id)
                if scope.usd_cap is not None:
                    guard = guard.where(c.spent_usd + c.reserved_usd + amount <= scope.usd_cap)
                if scope.token_cap is not None:
                    guard = guard.where(
                        c.spent_tokens + c.reserved_tokens + tokens <= scope.token_cap
                    )
                result = session.execute(
                    guard.values(
                        reserved_usd=c.reserved_usd + amount,
                        reserved_tokens=c.reserved_tokens + tokens,
                    )
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    raise BudgetExceededError(_cap_reason(scope), scope.kind)
        return Reservation(scopes, amount, tokens)

    def settle(self, reservation: Reservation, usd: float | None, tokens: int) -> None:
        """Replace the held estimate with what the call really cost (0 when it failed)."""
        if not reservation.scopes:
            return
        with transaction(self._sessions) as session:
            for scope in reservation.scopes:
                c = BudgetCounter
                session.execute(
                    update(c)
                    .where(c.scope == scope.kind, c.scope_id == scope.scope_id)
                    .values(
                        reserved_usd=c.reserved_usd - reservation.usd,
                        reserved_tokens=c.reserved_tokens - reservation.tokens,
                        spent_usd=c.spent_usd + (usd or 0.0),
                        spent_tokens=c.spent_tokens + tokens,
                    )
                )


def _cap_reason(scope: Scope) -> str:
    caps = []
    if scope.usd_cap is not None:
        caps.append(f"${scope.usd_cap:g}")
    if scope.token_cap is not None:
        caps.append(f"{scope.token_cap:,} tokens")
    return f"the {scope.kind.replace('_', '-')} budget ({' / '.join(caps)}) is used up"
