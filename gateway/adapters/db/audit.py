"""The audit trail: who did what to which entity, with a JSON detail."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from gateway.adapters.db._sql import now
from gateway.adapters.db.records import AuditEntry
from gateway.adapters.db.tables import audit_log


class AuditRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def record(self, actor: str, entity: str, entity_id: str | int, action: str, detail: Any = None) -> int:
        stmt = (
            audit_log.insert()
            .values(
                at=now(), actor=actor, entity=entity, entity_id=str(entity_id), action=action, detail=detail
            )
            .returning(audit_log.c.id)
        )
        return int(self._c.execute(stmt).scalar_one())

    def record_many(self, entries: Iterable[tuple[str, str, str | int, str, Any]]) -> None:
        """Several ``record`` rows (actor, entity, entity id, action, detail) in one executemany."""
        at = now()
        rows = [
            {"at": at, "actor": a, "entity": e, "entity_id": str(i), "action": act, "detail": d}
            for a, e, i, act, d in entries
        ]
        if rows:
            self._c.execute(audit_log.insert(), rows)

    def list(self, entity: str | None = None, entity_id: str | int | None = None) -> list[AuditEntry]:
        stmt = select(audit_log).order_by(audit_log.c.id)
        if entity is not None:
            stmt = stmt.where(audit_log.c.entity == entity)
        if entity_id is not None:
            stmt = stmt.where(audit_log.c.entity_id == str(entity_id))
        return [
            AuditEntry(r.id, r.at, r.actor, r.entity, r.entity_id, r.action, r.detail)
            for r in self._c.execute(stmt)
        ]
