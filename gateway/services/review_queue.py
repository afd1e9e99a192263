"""The review queue: everything that waits for a person, oldest first, with counts by reason.

The queue is built by ``PROVIDERS``, each a function ``(uow, now) -> [ReviewItem]``
for one source of work: orders held by the rules (unknown item, price, short
stock, and whatever reason a rule or an intake of PDFs and spreadsheets holds an
order for), documents that could not be read, placed or were sent twice,
acknowledgements overdue, deliveries that failed.  A new source (a worker's dead
letters) is one more provider.  A document or outbound item a person has looked
at and dismissed (``gateway.services.review.dismiss``) leaves the queue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gateway.domain.orders import OrderStatus
from gateway.services.ledger import overdue
from gateway.services.ports import UnitOfWork


@dataclass(slots=True)
class ReviewItem:
    key: str  # "order:<purchase order id>", "document:<id>", "outbound:<id>", "step:<id>"
    kind: str  # "order", "document", "outbound", "step" (a pipeline step on the dead-letter list)
    reasons: list[str]
    summary: str
    partner_id: str | None
    channel: str | None
    since: datetime  # when it began waiting (the document's receipt, the send)
    purchase_order_id: int | None = None
    document_id: int | None = None
    outbound_id: int | None = None
    po_number: str | None = None
    step_id: int | None = None

    def age(self, now: datetime) -> timedelta:
        return now - self.since


ReviewProvider = Callable[[UnitOfWork, datetime], Iterable[ReviewItem]]


def held_orders(uow: UnitOfWork, now: datetime) -> list[ReviewItem]:
    """Sales orders the rules held for a person (unknown item, price, short stock, ...)."""
    items: list[ReviewItem] = []
    held = uow.sales_orders.list(status=OrderStatus.NEEDS_REVIEW.value)
    document_of = uow.purchase_orders.document_ids(so.purchase_order_id for so in held)
    docs = uow.documents.summaries(document_of.values())  # one read, however many orders wait
    for so in held:
        document_id = document_of.get(so.purchase_order_id)
        if document_id is None:
            continue
        doc = docs.get(document_id)
        reasons = list(dict.fromkeys(o.reason for o in so.order.review_reasons)) or ["order.review"]
        messages = [o.message for o in so.order.review_reasons]
        items.append(
            ReviewItem(
                key=f"order:{so.purchase_order_id}",
                kind="order",
                reasons=reasons,
                summary=f"PO {so.order.po_number}: "
                + (messages[0] if messages else "held for review")
                + (f" (+{len(messages) - 1} more)" if len(messages) > 1 else ""),
                partner_id=so.order.partner_id or None,
                channel=doc.channel if doc else None,
                since=doc.received_at if doc else so.created_at,
                purchase_order_id=so.purchase_order_id,
                document_id=document_id,
                po_number=so.order.po_number,
            )
        )
    return items


DOCUMENT_REASONS = {
    "needs_review": "document.needs_review",
    "rejected": "document.parse_failure",
    "duplicate": "document.duplicate",
}


def _dismissed(uow: UnitOfWork, entity: str) -> set[str]:
    """The ids of ``entity`` a person has dismissed from the queue (one query)."""
    return uow.audit.entity_ids(entity, "review.dismissed")


def documents_to_review(uow: UnitOfWork, now: datetime) -> list[ReviewItem]:
    """Documents that could not be read, placed or were sent twice: the reasons are their diagnostics'."""
    items: list[ReviewItem] = []
    dismissed = _dismissed(uow, "document")
    for status, fallback in DOCUMENT_REASONS.items():
        for doc in uow.documents.list(status=status, limit=10_000):
            if str(doc.id) in dismissed:
                continue
            diags = doc.diagnostics or []
            codes = [d.get("code") for d in diags if isinstance(d, dict) and d.get("code")]
            reasons = list(dict.fromkeys(c for c in codes if c)) if status != "rejected" else []
            if status == "rejected" or not reasons:
                reasons = [fallback, *reasons[:3]]
            text = next((d.get("text") or d.get("message") for d in diags if isinstance(d, dict)), None)
            items.append(
                ReviewItem(
                    key=f"document:{doc.id}",
                    kind="document",
                    reasons=reasons,
                    summary=f"{doc.filename or f'document {doc.id}'}: {text or status}",
                    partner_id=doc.partner_id,
                    channel=doc.channel,
                    since=doc.received_at,
                    document_id=doc.id,
                )
            )
    return items


def overdue_acknowledgements(uow: UnitOfWork, now: datetime) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    dismissed = _dismissed(uow, "outbound")
    for entry in overdue(uow, now):
        if str(entry.outbound_id) in dismissed:
            continue
        items.append(
            ReviewItem(
                key=f"outbound:{entry.outbound_id}",
                kind="outbound",
                reasons=["ack.overdue"],
                summary=(
                    f"{entry.document} to {entry.partner_id}"
                    + (f" for PO {entry.po_number}" if entry.po_number else "")
                    + f": no acknowledgement since {entry.sent_at:%Y-%m-%d %H:%M}"
                ),
                partner_id=entry.partner_id,
                channel=None,
                since=entry.sent_at,
                purchase_order_id=entry.purchase_order_id,
                outbound_id=entry.outbound_id,
            )
        )
    return items


def failed_deliveries(uow: UnitOfWork, now: datetime) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    dismissed = _dismissed(uow, "outbound")
    for out in uow.outbound.headers("failed"):
        if str(out.id) in dismissed:
            continue
        items.append(
            ReviewItem(
                key=f"outbound:{out.id}",
                kind="outbound",
                reasons=["delivery.failed"],
                summary=f"{out.doc_type} to {out.partner_id} could not be delivered",
                partner_id=out.partner_id,
                channel=None,
                since=out.created_at,
                purchase_order_id=out.purchase_order_id,
                outbound_id=out.id,
            )
        )
    return items


def dead_steps(uow: UnitOfWork, now: datetime) -> list[ReviewItem]:
    """Pipeline steps that used up their attempts or failed on bad data (the workers' dead letters)."""
    items: list[ReviewItem] = []
    dead = uow.failed_steps.list(status="dead")
    docs = uow.documents.summaries(f.document_id for f in dead if f.document_id is not None)
    for failed in dead:
        doc = docs.get(failed.document_id) if failed.document_id is not None else None
        args = ", ".join(str(a) for a in failed.args)
        items.append(
            ReviewItem(
                key=f"step:{failed.id}",
                kind="step",
                reasons=["step.failed"],
                summary=f"{failed.step}({args}) failed after {failed.attempts} attempt(s): {failed.error}",
                partner_id=doc.partner_id if doc else None,
                channel=doc.channel if doc else None,
                since=failed.failed_at,
                document_id=failed.document_id,
                step_id=failed.id,
            )
        )
    return items


PROVIDERS: list[ReviewProvider] = [
    held_orders,
    documents_to_review,
    overdue_acknowledgements,
    failed_deliveries,
    dead_steps,
]


@dataclass(slots=True)
class QueueFilter:
    partner: str | None = None
    reason: str | None = None  # a reason code or its family ("price" matches "price.beyond_tolerance")
    channel: str | None = None
    min_age_hours: float | None = None
    max_age_hours: float | None = None

    def keeps(self, item: ReviewItem, now: datetime, *, reason: bool = True) -> bool:
        if self.partner and item.partner_id != self.partner:
            return False
        if self.channel and item.channel != self.channel:
            return False
        hours = item.age(now).total_seconds() / 3600
        if self.min_age_hours is not None and hours < self.min_age_hours:
            return False
        if self.max_age_hours is not None and hours > self.max_age_hours:
            return False
        return not (reason and self.reason and not any(_reason_matches(r, self.reason) for r in item.reasons))


def _reason_matches(reason: str, wanted: str) -> bool:
    return reason == wanted or reason.startswith(wanted + ".")


@dataclass(slots=True)
class Queue:
    items: list[ReviewItem]
    by_reason: dict[str, int]  # over the items the other filters keep
    total: int  # everything waiting, unfiltered
    partners: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)


def review_queue(
    uow: UnitOfWork,
    now: datetime,
    filters: QueueFilter | None = None,
    providers: Iterable[ReviewProvider] | None = None,
) -> Queue:
    """Everything waiting for a person that ``filters`` keeps, oldest first, with counts by reason."""
    filters = filters or QueueFilter()
    everything: list[ReviewItem] = []
    for provide in providers if providers is not None else PROVIDERS:
        everything.extend(provide(uow, now))
    everything.sort(key=lambda i: (i.since, i.key))
    counts: Counter[str] = Counter()
    for item in everything:
        if filters.keeps(item, now, reason=False):
            counts.update(set(item.reasons))
    return Queue(
        items=[i for i in everything if filters.keeps(i, now)],
        by_reason=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        total=len(everything),
        partners=sorted({i.partner_id for i in everything if i.partner_id}),
        channels=sorted({i.channel for i in everything if i.channel}),
    )
