"""The poll schedule: when each partner's inbound channel last ran, and a lease on it.

A poll claims its (partner, channel) row with a lease before it touches the
remote side, so two workers never poll the same inbox at once; a worker that
dies leaves a lease that expires.  The workers' start-up sweep takes a row of
its own the same way (``gateway.services.sweep.sweep_once``) and keeps the lease
for its interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select, update

from gateway.adapters.db._sql import insert
from gateway.adapters.db.tables import channel_polls as polls


class PollRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def claim(self, partner_id: str, channel: str, holder: str, at: datetime, lease: timedelta) -> bool:
        """Take the lease on (partner, channel) until ``at + lease``; False when another holds it."""
        self._c.execute(
            insert(self._c, polls)
            .values(partner_id=partner_id, channel=channel)
            .on_conflict_do_nothing(index_elements=[polls.c.partner_id, polls.c.channel])
        )
        result = self._c.execute(
            update(polls)
            .where(
                polls.c.partner_id == partner_id,
                polls.c.channel == channel,
                or_(polls.c.lease_until.is_(None), polls.c.lease_until < at, polls.c.holder == holder),
            )
            .values(holder=holder, lease_until=at + lease)
        )
        return result.rowcount == 1

    def release(
        self, partner_id: str, channel: str, holder: str, at: datetime, count: int, error: str | None
    ) -> None:
        """The poll is over: record when and what it found, and give the lease back."""
        self._c.execute(
            update(polls)
            .where(polls.c.partner_id == partner_id, polls.c.channel == channel, polls.c.holder == holder)
            .values(holder=None, lease_until=None, last_polled_at=at, last_count=count, last_error=error)
        )

    def ran(self, partner_id: str, channel: str, holder: str, at: datetime, count: int) -> None:
        """Record a run that keeps its lease until it expires (a task done once per lease, such as the
        workers' start-up sweep): others asking within the lease are refused."""
        self._c.execute(
            update(polls)
            .where(polls.c.partner_id == partner_id, polls.c.channel == channel, polls.c.holder == holder)
            .values(last_polled_at=at, last_count=count, last_error=None)
        )

    def last_polled(self) -> dict[tuple[str, str], datetime | None]:
        return {(r.partner_id, r.channel): r.last_polled_at for r in self._c.execute(select(polls))}

    def list(self) -> list[dict[str, Any]]:
        rows = self._c.execute(select(polls).order_by(polls.c.partner_id, polls.c.channel))
        return [dict(r._mapping) for r in rows]
