"""What people decided in the review queue: per-order (and per-line) decisions, sender aliases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from gateway.adapters.db._sql import insert, now
from gateway.adapters.db.tables import DECISION_KINDS, review_decisions, sender_aliases
from gateway.errors import InputError


@dataclass(slots=True)
class Decision:
    id: int
    purchase_order_id: int
    line_number: str | None
    kind: str
    value: Any
    actor: str
    at: datetime


class ReviewRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def decide(
        self, purchase_order_id: int, kind: str, value: Any, actor: str, line_number: str | None = None
    ) -> int:
        if kind not in DECISION_KINDS:
            raise InputError(f"unknown decision {kind!r}", code="review.decision")
        stmt = (
            review_decisions.insert()
            .values(
                purchase_order_id=purchase_order_id,
                line_number=line_number,
                kind=kind,
                value=value,
                actor=actor,
                at=now(),
            )
            .returning(review_decisions.c.id)
        )
        return int(self._c.execute(stmt).scalar_one())

    def decisions(self, purchase_order_id: int) -> list[Decision]:
        stmt = (
            select(review_decisions)
            .where(review_decisions.c.purchase_order_id == purchase_order_id)
            .order_by(review_decisions.c.id)
        )
        return [Decision(*r) for r in self._c.execute(stmt)]

    def alias_sender(self, isa_qualifier: str, isa_id: str, partner_id: str, actor: str) -> None:
        """From now on an interchange from this ISA sender belongs to ``partner_id``."""
        values = {"partner_id": partner_id, "created_by": actor, "created_at": now()}
        stmt = insert(self._c, sender_aliases).values(
            isa_qualifier=isa_qualifier.strip(), isa_id=isa_id.strip(), **values
        )
        self._c.execute(
            stmt.on_conflict_do_update(
                index_elements=[sender_aliases.c.isa_qualifier, sender_aliases.c.isa_id], set_=values
            )
        )
