"""What the operations dashboard shows: volume, touchless share, exceptions, time to 855, overdue acks.

Computed from the stored documents, orders, outbound documents and audit trail
of the last ``days`` days: each read only over the window, and none of the
archived bytes, canonical orders or outbound documents' contents.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from gateway.services.ledger import LedgerEntry, overdue
from gateway.services.ports import UnitOfWork
from gateway.services.review_queue import DOCUMENT_REASONS

HANDS_OFF = ("confirmed", "rejected", "test")


@dataclass(slots=True)
class Dashboard:
    days: list[date]
    by_channel: dict[str, list[int]]  # channel -> documents per day
    by_partner: dict[str, list[int]]  # partner -> documents per day
    orders: int  # sales orders answered or held in the window
    untouched: int  # answered with no decision from a person
    exceptions: dict[str, int]  # reason -> how many orders or documents it held
    to_855_minutes: list[float]  # receipt -> 855, per 855 in the window
    to_855_by_day: dict[date, float] = field(default_factory=dict)  # median minutes per day
    overdue: list[LedgerEntry] = field(default_factory=list)

    @property
    def untouched_share(self) -> float | None:
        return self.untouched / self.orders if self.orders else None

    def to_855(self, quantile: float) -> float | None:
        if not self.to_855_minutes:
            return None
        ordered = sorted(self.to_855_minutes)
        return ordered[min(int(quantile * len(ordered)), len(ordered) - 1)]


def dashboard(uow: UnitOfWork, now: datetime, days: int = 14) -> Dashboard:
    first = (now - timedelta(days=days - 1)).date()
    since = datetime.combine(first, time.min, tzinfo=UTC)
    day_list = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(day_list)}
    by_channel: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    by_partner: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    exceptions: Counter[str] = Counter()
    for doc in uow.documents.received_since(since):
        i = index.get(doc.received_at.date())
        if i is None:
            continue
        by_channel[doc.channel][i] += 1
        by_partner[doc.partner_id or "(unknown sender)"][i] += 1
        if doc.status in DOCUMENT_REASONS:
            codes = [d.get("code") for d in doc.diagnostics or [] if isinstance(d, dict)]
            reason = "partner.unknown_sender" if "partner.unknown_sender" in codes else None
            exceptions[reason or DOCUMENT_REASONS[doc.status]] += 1
    orders = untouched = 0
    held_reasons: dict[str, list[str]] = {}
    # a sales order's first entry is written when it is made: those of the window's orders are in it
    for entry in uow.audit.list("sales_order", since=since):
        if entry.actor == "system" and isinstance(entry.detail, dict) and entry.entity_id not in held_reasons:
            held_reasons[entry.entity_id] = list(dict.fromkeys(entry.detail.get("review") or []))
    for so_id, status in uow.sales_orders.statuses_since(since):
        orders += 1
        reasons = held_reasons.get(str(so_id), [])
        exceptions.update(reasons)
        if status in HANDS_OFF and not reasons:
            untouched += 1
    minutes: list[float] = []
    per_day: dict[date, list[float]] = defaultdict(list)
    for received, created in uow.outbound.answer_times("855", since):
        m = max((created - received).total_seconds() / 60, 0.0)
        minutes.append(m)
        per_day[created.date()].append(m)
    return Dashboard(
        days=day_list,
        by_channel=dict(by_channel),
        by_partner=dict(by_partner),
        orders=orders,
        untouched=untouched,
        exceptions=dict(exceptions.most_common()),
        to_855_minutes=minutes,
        to_855_by_day={d: statistics.median(v) for d, v in sorted(per_day.items())},
        overdue=overdue(uow, now),
    )
