"""The audit trail: who did what to which entity, with a JSON detail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from gateway.adapters.db._sql import ArrayInsert, is_postgresql, now
from gateway.adapters.db.records import AuditEntry
from gateway.adapters.db.tables import audit_log

_KEYS = ("at", "actor", "entity", "entity_id", "action", "detail")
_ARRAYS = ArrayInsert(audit_log, _KEYS)


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
        """Several ``record`` rows (actor, entity, entity id, action, detail) in one statement (on
        PostgreSQL one of column arrays; elsewhere an executemany)."""
        at = now()
        rows = [(at, a, e, str(i), act, d) for a, e, i, act, d in entries]
        if not rows:
            return
        if is_postgresql(self._c):
            _ARRAYS.execute(self._c, rows)
        else:
            self._c.execute(audit_log.insert(), [dict(zip(_KEYS, row, strict=True)) for row in rows])

    def entity_ids(self, entity: str, action: str) -> set[str]:
        """The ids of ``entity`` that have an entry of ``action`` (e.g. those a person dismissed)."""
        stmt = (
            select(audit_log.c.entity_id)
            .where(audit_log.c.entity == entity, audit_log.c.action == action)
            .distinct()
        )
        return {str(i) for i in self._c.execute(stmt).scalars()}

    def list(
        self,
        entity: str | None = None,
        entity_id: str | int | None = None,
        *,
        since: datetime | None = None,
    ) -> list[AuditEntry]:
        """Entries by id (of ``entity``, of ``entity_id``, recorded at or after ``since``)."""
        stmt = select(audit_log).order_by(audit_log.c.id)
        if since is not None:
            stmt = stmt.where(audit_log.c.at >= since)
        if entity is not None:
            stmt = stmt.where(audit_log.c.entity == entity)
        if entity_id is not None:
            stmt = stmt.where(audit_log.c.entity_id == str(entity_id))
        return [
            AuditEntry(r.id, r.at, r.actor, r.entity, r.entity_id, r.action, r.detail)
            for r in self._c.execute(stmt)
        ]
