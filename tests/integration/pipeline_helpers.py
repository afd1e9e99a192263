"""Shared builders and checks for the whole-pipeline tests.

- ``open_pipeline``: the sample partners and catalog loaded into a test database
  (``db_url`` from ``conftest.py``), an inline runtime on it with a fixed clock,
  and an outbox under the test's ``tmp_path``.
- ``x12_850``: a small X12 850 interchange writer whose SE, GE and IEA counts are
  right by construction; ``reenvelope`` changes a sample's ISA06 / ISA13 / ISA15.
- ``assert_*``: the invariants every pipeline test ends with (stock, control
  numbers, one of each thing per order, every outbound delivered to the outbox).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select

from gateway.adapters.channels.folder import safe_name
from gateway.adapters.db.tables import control_ledger
from gateway.adapters.db.uow import SqlUnitOfWork
from gateway.bootstrap import Runtime, build, init_database
from gateway.config import SAMPLES, Settings
from gateway.domain.orders import OrderStatus
from gateway.services.ports import Context
from gateway.services.receive import receive

# Requested dates in the samples are in January 2027: run "before then" so no line is rescheduled.
FIXED_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SAMPLE_X12 = SAMPLES / "x12"
ANSWERED = {OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.TEST}


def sample(name: str) -> bytes:
    return (SAMPLE_X12 / name).read_bytes()


def settings_for(db_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=db_url, outbox_dir=tmp_path / "outbox")


@dataclass(slots=True)
class Pipeline:
    """An inline runtime over a test database with the sample reference data."""

    runtime: Runtime
    settings: Settings

    @property
    def ctx(self) -> Context:
        return self.runtime.context

    @property
    def outbox(self) -> Path:
        return self.settings.outbox

    def uow(self) -> SqlUnitOfWork:
        return self.runtime.context.uow()  # type: ignore[return-value]

    def receive(self, raw: bytes, name: str | None = None, message_id: str | None = None) -> int:
        return receive(self.ctx, raw, channel="test", filename=name, message_id=message_id)

    def run(self, raw: bytes, name: str | None = None, message_id: str | None = None) -> int:
        """Receive ``raw`` and run every step it leads to; the document id."""
        document_id = self.receive(raw, name, message_id)
        self.runtime.drain()
        return document_id


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement ``engine`` runs inside the block, in order."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


@contextmanager
def open_pipeline(db_url: str, tmp_path: Path, *, load_reference: bool = True) -> Iterator[Pipeline]:
    settings = settings_for(db_url, tmp_path)
    init_database(settings, load_reference=load_reference)
    runtime = build(settings)
    runtime.context.clock = lambda: FIXED_NOW
    try:
        yield Pipeline(runtime, settings)
    finally:
        runtime.engine.dispose()


# X12 ------------------------------------------------------------------------
@dataclass(slots=True)
class Line:
    quantity: Decimal | int | str
    unit: str
    price: Decimal | str
    ids: Sequence[tuple[str, str]]  # (qualifier, id): ("VP", "TB-0090"), ("BP", "778840")


@dataclass(slots=True)
class ShipTo:
    name: str = "ACME DISTRIBUTION CENTER 3"
    code: str = "DC03"
    address: str = "4400 LOGISTICS PKWY"
    city: str = "GROVE CITY"
    state: str = "OH"
    postal_code: str = "43123"


@dataclass(slots=True)
class Envelope:
    sender_qualifier: str = "ZZ"
    sender_id: str = "ACMEHARDWARE"
    gs_sender: str = "ACMEHARDWARE"
    receiver_qualifier: str = "ZZ"
    receiver_id: str = "ORDERGATE"
    gs_receiver: str = "ORDERGATE"
    version: str = "004010"
    usage: str = "P"
    when: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 8, 15))


def x12_interchange(sets: Sequence[Sequence[str]], control: int, env: Envelope | None = None) -> bytes:
    """One interchange, one PO group, a transaction set per item of ``sets`` (body segments
    without ST/SE, ``*`` elements, no terminators); ST/SE/GE/IEA counts computed."""
    env = env or Envelope()
    isa12 = "00501" if env.version.startswith("005") else "00401"
    isa11 = "^" if isa12 == "00501" else "U"
    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        env.sender_qualifier,
        env.sender_id.ljust(15),
        env.receiver_qualifier,
        env.receiver_id.ljust(15),
        env.when.strftime("%y%m%d"),
        env.when.strftime("%H%M"),
        isa11,
        isa12,
        f"{control:09d}",
        "0",
        env.usage,
        ">",
    ]
    segments = ["*".join(isa)]
    stamp = (env.when.strftime("%Y%m%d"), env.when.strftime("%H%M"))
    segments.append(
        f"GS*PO*{env.gs_sender}*{env.gs_receiver}*{stamp[0]}*{stamp[1]}*{control}*X*{env.version}"
    )
    for n, body in enumerate(sets, start=1):
        st = f"{n:04d}"
        st03 = f"*{env.version}" if env.version.startswith("005") else ""
        segments.append(f"ST*850*{st}{st03}")
        segments.extend(body)
        segments.append(f"SE*{len(body) + 2}*{st}")
    segments.append(f"GE*{len(sets)}*{control}")
    segments.append(f"IEA*1*{control:09d}")
    return ("~\n".join(segments) + "~\n").encode("ascii")


def po_850_body(
    po_number: str,
    lines: Sequence[Line],
    *,
    po_date: date = date(2026, 11, 24),
    ship_to: ShipTo | None = None,
    requested: date = date(2027, 1, 15),
) -> list[str]:
    ship_to = ship_to or ShipTo()
    body = [
        f"BEG*00*SA*{po_number}**{po_date:%Y%m%d}",
        "CUR*BY*USD",
        f"DTM*002*{requested:%Y%m%d}",
        f"N1*ST*{ship_to.name}*92*{ship_to.code}",
        f"N3*{ship_to.address}",
        f"N4*{ship_to.city}*{ship_to.state}*{ship_to.postal_code}*US",
    ]
    for n, line in enumerate(lines, start=1):
        ids = "".join(f"*{q}*{v}" for q, v in line.ids)
        body.append(f"PO1*{n}*{line.quantity}*{line.unit}*{line.price}*{ids}")
    body.append(f"CTT*{len(lines)}")
    return body


def x12_850(po_number: str, lines: Sequence[Line], *, control: int, env: Envelope | None = None) -> bytes:
    """A one-order interchange."""
    return x12_interchange([po_850_body(po_number, lines)], control, env)


def reenvelope(
    raw: bytes, *, sender_id: str | None = None, control: int | None = None, usage: str | None = None
) -> bytes:
    """A sample with another ISA06 (sender id), ISA13/IEA02 (control number) or ISA15 (usage)."""
    text = raw.decode("ascii")
    sep, term = text[3], text[105]
    isa = text[:105].split(sep)
    if sender_id is not None:
        isa[6] = sender_id.ljust(15)
    if control is not None:
        isa[13] = f"{control:09d}"
    if usage is not None:
        isa[15] = usage
    rest = text[106:]
    if control is not None:
        head, _, tail = rest.rpartition(f"IEA{sep}")
        count, _, after = tail.partition(term)
        rest = f"{head}IEA{sep}{count.split(sep)[0]}{sep}{control:09d}{term}{after}"
    return (sep.join(isa) + term + rest).encode("ascii")


def segments(data: bytes) -> list[list[str]]:
    """An X12 interchange as lists of elements (separators from the ISA)."""
    text = data.decode("ascii")
    sep, term = text[3], text[105]
    return [s.strip().split(sep) for s in text.split(term) if s.strip()]


def ack_lines(data_855: bytes) -> dict[str, list[str]]:
    """PO101 → the ACK01 codes of that line in an 855."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    for seg in segments(data_855):
        if seg[0] == "PO1":
            current = seg[1]
            out[current] = []
        elif seg[0] == "ACK" and current is not None:
            out[current].append(seg[1])
    return out


def group_controls(data: bytes) -> list[str]:
    """GS06 of every functional group in an interchange."""
    return [seg[6] for seg in segments(data) if seg[0] == "GS"]


def acknowledged_groups(data: bytes) -> list[str]:
    """AK102 of every AK1 in a 997/999: the group control numbers it answers."""
    return [seg[2] for seg in segments(data) if seg[0] == "AK1"]


# invariants -----------------------------------------------------------------
def assert_stock_consistent(uow: SqlUnitOfWork) -> None:
    """Allocated = the allocations of the open (confirmed) orders, never above on hand."""
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for so in uow.sales_orders.list():
        for line in so.order.lines:
            if so.order.status is not OrderStatus.CONFIRMED:
                assert not line.allocations, f"{so.order.po_number}: a {so.order.status} order holds stock"
            for a in line.allocations:
                expected[(line.sku or "", a.warehouse)] += a.quantity
    levels = uow.catalog.stock(uow.catalog.all_items())
    for level in levels:
        assert Decimal(0) <= level.allocated <= level.on_hand, level
        assert level.allocated == expected.pop((level.sku, level.warehouse), Decimal(0)), level
    assert not {k: v for k, v in expected.items() if v}, f"allocations without a stock row: {expected}"


def _isa13(data: bytes) -> int:
    return int(segments(data)[0][13])


def assert_control_numbers_unique(uow: SqlUnitOfWork) -> None:
    """No ISA13 / GS06 / ST02 twice per partner in what we store, and the ledger agrees.

    Every stored document's envelope carries the numbers recorded for it.  On SQLite every
    number in the ledger belongs to a stored outbound document (nothing spent and lost); on
    PostgreSQL, where numbers are taken in transactions of their own, a number a crash or a
    rollback left unused stays in the ledger with no document (voided), and every number up
    to each counter is in the ledger (each gap accounted for).
    """
    outbound = uow.outbound.list()
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for out in outbound:
        segs = segments(out.data)
        assert _isa13(out.data) == out.isa_control, out.idempotency_key
        seen[(out.partner_id, "ISA")].append(out.isa_control or 0)
        seen[(out.partner_id, "GS")].extend(int(s[6]) for s in segs if s[0] == "GS")
        seen[(out.partner_id, "ST")].extend(int(s[2]) for s in segs if s[0] == "ST")
    for key, values in seen.items():
        repeated = [v for v, n in Counter(values).items() if n > 1]
        assert not repeated, f"{key}: control numbers used twice: {repeated}"
    rows = uow.connection.execute(select(control_ledger)).all()
    assert len({(r.partner_id, r.level, r.value, r.cycle) for r in rows}) == len(rows)
    ids = {o.id for o in outbound}
    orphans = [(r.partner_id, r.level, r.value) for r in rows if r.outbound_document_id not in ids]
    if uow.connection.dialect.name == "sqlite":
        assert not orphans, f"control numbers spent on nothing stored: {orphans}"
    else:
        assert_control_numbers_accounted(uow.connection)
    by_doc: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        by_doc[r.outbound_document_id][r.level].add(r.value)
    for out in outbound:
        assert out.isa_control in by_doc[out.id]["ISA"], f"{out.idempotency_key}: ISA13 not in the ledger"


def assert_delivered(uow: SqlUnitOfWork, outbox: Path) -> None:
    """Every outbound document is sent, and its bytes are a file in the partner's outbox."""
    files: dict[Path, bytes] = {
        p: p.read_bytes() for p in outbox.rglob("*") if p.is_file() and not p.name.startswith(".")
    }
    outbound = uow.outbound.list()
    for out in outbound:
        assert out.delivery_status == "sent", out.idempotency_key
        folder = outbox / safe_name(out.partner_id)
        assert any(p.parent == folder and data == out.data for p, data in files.items()), (
            f"{out.idempotency_key} is not in {folder}"
        )
    assert len(files) == len(outbound), sorted(str(p.relative_to(outbox)) for p in files)


def assert_one_of_each(uow: SqlUnitOfWork, document_ids: Sequence[int]) -> None:
    """Per inbound document: one functional ack; per order: one PO row, one sales order, and one
    855 exactly when the order is answered (confirmed, rejected, test)."""
    for document_id in document_ids:
        doc = uow.documents.get(document_id)
        assert doc is not None and doc.status != "received", (document_id, doc and doc.status)
        acks = [o for o in uow.outbound.list(inbound_document_id=document_id) if o.doc_type != "855"]
        assert len(acks) == 1, (document_id, [a.idempotency_key for a in acks])
        assert sorted(acknowledged_groups(acks[0].data)) == sorted(group_controls(doc.raw))
        for po in uow.purchase_orders.for_document(document_id):
            if po.kind != "order":
                continue  # a change (860) is applied elsewhere, not confirmed as a new order
            same = uow.purchase_orders.find(po.partner_id, po.po_number)
            assert same is not None and same.id == po.id
            so = uow.sales_orders.get_by_purchase_order(po.id)
            assert so is not None, f"{po.po_number} has no sales order"
            assert len([s for s in uow.sales_orders.list() if s.purchase_order_id == po.id]) == 1
            acks_855 = uow.outbound.list(purchase_order_id=po.id, doc_type="855")
            assert len(acks_855) == (1 if so.order.status in ANSWERED else 0), (po.po_number, so.order.status)


def assert_control_numbers_accounted(connection: Any) -> None:
    """Per partner and level, the ledger holds exactly the numbers 1..counter (none handed out
    twice, none handed out unrecorded), and the counter has not gone past the ledger."""
    from gateway.adapters.db.tables import control_counters

    values: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in connection.execute(select(control_ledger)):
        values[(r.partner_id, r.level)].append(int(r.value))
    for r in connection.execute(select(control_counters)):
        used = values.get((r.partner_id, r.level), [])
        assert sorted(used) == list(range(1, int(r.last_value) + 1)), (
            f"{r.partner_id} {r.level}: the ledger does not account for 1..{r.last_value}"
        )
