"""Pipeline steps that failed for good (attempts used up, or an error no retry can fix).

One row per queue message (``message_id`` is unique, so recording the same failure
twice keeps one row); ``retry`` marks a row as sent again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from gateway.adapters.db._sql import insert, now
from gateway.adapters.db.records import FailedStep
from gateway.adapters.db.tables import failed_steps


def _row(r: Any) -> FailedStep:
    return FailedStep(
        id=int(r.id),
        message_id=r.message_id,
        step=r.step,
        args=tuple(int(a) for a in r.args),
        error=r.error,
        error_type=r.error_type,
        attempts=int(r.attempts),
        document_id=int(r.document_id) if r.document_id is not None else None,
        status=r.status,
        failed_at=r.failed_at,
        retried_at=r.retried_at,
    )


class FailedStepRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def record(
        self,
        message_id: str,
        step: str,
        args: tuple[int, ...],
        error: str,
        error_type: str,
        attempts: int,
        document_id: int | None = None,
    ) -> int:
        """Store a failure (the existing row when this message was recorded already)."""
        stmt = (
            insert(self._c, failed_steps)
            .values(
                message_id=message_id,
                step=step,
                args=list(args),
                error=error[:2000],
                error_type=error_type[:200],
                attempts=attempts,
                document_id=document_id,
                status="dead",
                failed_at=now(),
            )
            .on_conflict_do_nothing(index_elements=[failed_steps.c.message_id])
        )
        self._c.execute(stmt)
        found = self._c.execute(
            select(failed_steps.c.id).where(failed_steps.c.message_id == message_id)
        ).scalar_one()
        return int(found)

    def get(self, failed_id: int) -> FailedStep | None:
        r = self._c.execute(select(failed_steps).where(failed_steps.c.id == failed_id)).first()
        return _row(r) if r is not None else None

    def list(self, status: str | None = "dead", limit: int = 500) -> list[FailedStep]:
        stmt = select(failed_steps).order_by(failed_steps.c.id).limit(limit)
        if status is not None:
            stmt = stmt.where(failed_steps.c.status == status)
        return [_row(r) for r in self._c.execute(stmt)]

    def mark_retried(self, failed_id: int) -> bool:
        """Mark a dead row as sent again; False when it was not dead (already retried, or unknown)."""
        result = self._c.execute(
            update(failed_steps)
            .where(failed_steps.c.id == failed_id, failed_steps.c.status == "dead")
            .values(status="retried", retried_at=now())
        )
        return result.rowcount == 1
