"""Purchase orders (the canonical document as JSON) and sales orders (lines, allocations, outcomes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Row, String, bindparam, cast, delete, select, text, update

from gateway.adapters.db._sql import ArrayInsert, DriverRows, insert, is_postgresql, now
from gateway.adapters.db.errors import DuplicatePurchaseOrder
from gateway.adapters.db.records import StoredPurchaseOrder, StoredSalesOrder
from gateway.adapters.db.tables import (
    allocations,
    outbound_documents,
    purchase_orders,
    sales_order_lines,
    sales_orders,
)
from gateway.adapters.db.types import Amount
from gateway.domain.model import PurchaseOrder, PurchaseOrderChange, Purpose
from gateway.domain.orders import (
    AckType,
    Allocation,
    LineStatus,
    OrderStatus,
    Outcome,
    SalesOrder,
    SalesOrderLine,
)
from gateway.errors import NotFound

pos = purchase_orders
lines_t = sales_order_lines

ORIGINAL_WHERE = (pos.c.purpose == Purpose.ORIGINAL.value) & (pos.c.kind == "order")
# the partial unique index's predicate, literally as declared (ON CONFLICT must match it)
ORIGINAL_INDEX_WHERE = text("purpose = 'original' AND kind = 'order'")


@cache
def _adapter(kind: type) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _outcomes_json(outcomes: Iterable[Outcome]) -> list[dict[str, Any]]:
    listed = list(outcomes)
    if not listed:
        return []
    return _adapter(list[Outcome]).dump_python(listed, mode="json")


def _outcomes(data: Any) -> list[Outcome]:
    return _adapter(list[Outcome]).validate_python(data or [])


# purchase orders ------------------------------------------------------------
def _stored_po(row: Row[Any], document: Any = None) -> StoredPurchaseOrder:
    """A stored row; its document validated from its canonical JSON unless given."""
    if document is None:
        kind = PurchaseOrderChange if row.kind == "change" else PurchaseOrder
        document = _adapter(kind).validate_python(row.canonical)
    return StoredPurchaseOrder(
        id=row.id,
        partner_id=row.partner_id,
        po_number=row.po_number,
        document_id=row.document_id,
        kind=row.kind,
        set_control=row.set_control,
        po_date=row.po_date,
        purpose=row.purpose,
        is_test=row.is_test,
        status=row.status,
        created_at=row.created_at,
        document=document,
    )


# every column but the canonical document
_PO_HEAD = [c for c in pos.c if c.name != "canonical"]


_PO_INSERTS: dict[str, Any] = {}


def _po_insert(connection: Connection) -> Any:
    """INSERT ... ON CONFLICT (the one original per PO number) DO NOTHING RETURNING id, once per dialect."""
    name = connection.dialect.name
    stmt = _PO_INSERTS.get(name)
    if stmt is None:
        stmt = _PO_INSERTS[name] = (
            insert(connection, pos)
            .on_conflict_do_nothing(
                index_elements=[pos.c.partner_id, pos.c.po_number], index_where=ORIGINAL_INDEX_WHERE
            )
            .returning(pos.c.id)
        )
    return stmt


class PurchaseOrderRepository:
    """One row per canonical order or change.

    Only one *original* order per (partner, PO number) is kept: it is what the
    duplicate rule finds.  Storing it again from the same document returns the
    stored id (a replayed step); from another document raises
    ``DuplicatePurchaseOrder``.  Changes and cancellations may be many.
    """

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        # per document, the rows already stored (a replayed step finds them), read once per
        # unit of work and kept up to date by ``add``
        self._keys: dict[int, dict[tuple[Any, ...], int]] = {}

    def forget(self) -> None:
        """Drop what was read in a transaction that was rolled back."""
        self._keys.clear()

    def _stored_keys(self, document_id: int) -> dict[tuple[Any, ...], int]:
        keys = self._keys.get(document_id)
        if keys is None:
            keys = {}
            stmt = (
                select(
                    pos.c.id, pos.c.partner_id, pos.c.po_number, pos.c.kind, pos.c.purpose, pos.c.set_control
                )
                .where(pos.c.document_id == document_id)
                .order_by(pos.c.id)
            )
            for r in self._c.execute(stmt):
                keys.setdefault((r.partner_id, r.po_number, r.kind, r.purpose, r.set_control), int(r.id))
            self._keys[document_id] = keys
        return keys

    def add(
        self,
        po: PurchaseOrder | PurchaseOrderChange,
        partner_id: str | None,
        document_id: int,
        status: str = "parsed",
    ) -> int:
        kind = "change" if isinstance(po, PurchaseOrderChange) else "order"
        purpose = Purpose(po.purpose).value
        set_control = po.source.set_control
        stored = self._stored_keys(document_id)
        replay_key = (partner_id, po.po_number, kind, purpose, set_control)
        replay = stored.get(replay_key)
        if replay is not None:
            return replay
        values = {
            "partner_id": partner_id,
            "po_number": po.po_number,
            "document_id": document_id,
            "kind": kind,
            "set_control": set_control,
            "po_date": po.po_date,
            "purpose": purpose,
            "is_test": po.source.test,
            "canonical": _adapter(type(po)).dump_python(po, mode="json"),
            "status": status,
            "created_at": now(),
        }
        new_id = self._c.execute(_po_insert(self._c), values).scalar_one_or_none()
        if new_id is not None:
            stored.setdefault(replay_key, int(new_id))
            return int(new_id)
        original = self.find(partner_id, po.po_number)
        assert original is not None  # the conflict was with it
        raise DuplicatePurchaseOrder(partner_id, po.po_number, original.id)

    def stage(
        self,
        po: PurchaseOrder | PurchaseOrderChange,
        partner_id: str | None,
        document_id: int,
        *,
        status: str = "staged",
    ) -> tuple[int, bool]:
        """Store an order or change ``staged``: kept, but acted on by nothing until ``release_staged``
        (``status="parsed"``: released at once, for the last batch, stored in the transaction that
        releases the others).

        For a large document read in batches; no per-document memory is kept (unlike ``add``,
        whose replay cache holds every key of the document).  (id, False) for a new row; the
        original's (id, True) when the PO number is a duplicate."""
        kind = "change" if isinstance(po, PurchaseOrderChange) else "order"
        values = {
            "partner_id": partner_id,
            "po_number": po.po_number,
            "document_id": document_id,
            "kind": kind,
            "set_control": po.source.set_control,
            "po_date": po.po_date,
            "purpose": Purpose(po.purpose).value,
            "is_test": po.source.test,
            "canonical": _adapter(type(po)).dump_python(po, mode="json"),
            "status": status,
            "created_at": now(),
        }
        new_id = self._c.execute(_po_insert(self._c), values).scalar_one_or_none()
        if new_id is not None:
            return int(new_id), False
        original = self.find(partner_id, po.po_number)
        assert original is not None  # the conflict was with it
        return original.id, True

    def drop_staged(self, document_id: int, first: int, last: int) -> int:
        """Delete the document's staged rows with ``first <= id <= last`` (a group rejected at its
        trailer); how many."""
        result = self._c.execute(
            delete(pos).where(
                pos.c.document_id == document_id,
                pos.c.status == "staged",
                pos.c.id >= first,
                pos.c.id <= last,
            )
        )
        return int(result.rowcount or 0)

    def release_staged(self, document_id: int) -> int:
        """The document's staged rows become ``parsed``: confirmation and changes may take them."""
        result = self._c.execute(
            update(pos)
            .where(pos.c.document_id == document_id, pos.c.status == "staged")
            .values(status="parsed")
        )
        return int(result.rowcount or 0)

    def get(self, purchase_order_id: int) -> StoredPurchaseOrder | None:
        row = self._c.execute(select(pos).where(pos.c.id == purchase_order_id)).first()
        return _stored_po(row) if row is not None else None

    def find(self, partner_id: str | None, po_number: str) -> StoredPurchaseOrder | None:
        """The original order with this number from this partner; failing that, the earliest row."""
        stmt = (
            select(pos)
            .where(pos.c.partner_id.is_not_distinct_from(partner_id), pos.c.po_number == po_number)
            .order_by((ORIGINAL_WHERE).desc(), pos.c.id)
            .limit(1)
        )
        row = self._c.execute(stmt).first()
        return _stored_po(row) if row is not None else None

    def changes_for(self, partner_id: str | None, po_number: str) -> list[StoredPurchaseOrder]:
        """The changes (860s) stored for this partner's PO number, in the order received."""
        stmt = (
            select(pos)
            .where(
                pos.c.partner_id.is_not_distinct_from(partner_id),
                pos.c.po_number == po_number,
                pos.c.kind == "change",
            )
            .order_by(pos.c.id)
        )
        return [_stored_po(r) for r in self._c.execute(stmt)]

    def held_changes(self, orders: Iterable[tuple[str | None, str]]) -> list[int]:
        """Ids of the changes held (waiting for their order) for these (partner, PO number) pairs."""
        wanted = set(orders)
        if not wanted:
            return []
        stmt = (
            select(pos.c.id, pos.c.partner_id, pos.c.po_number)
            .where(
                pos.c.kind == "change",
                pos.c.status == "held",
                pos.c.po_number.in_(sorted({po for _, po in wanted})),
            )
            .order_by(pos.c.id)
        )
        return [int(r.id) for r in self._c.execute(stmt) if (r.partner_id, r.po_number) in wanted]

    def changes_waiting(self, limit: int = 1000) -> list[int]:
        """Ids of changes not answered yet (parsed or held), oldest first."""
        stmt = (
            select(pos.c.id)
            .where(pos.c.kind == "change", pos.c.status.in_(("parsed", "held")))
            .order_by(pos.c.id)
            .limit(limit)
        )
        return [int(i) for i in self._c.execute(stmt).scalars()]

    def for_document(self, document_id: int) -> list[StoredPurchaseOrder]:
        stmt = select(pos).where(pos.c.document_id == document_id).order_by(pos.c.id)
        return [_stored_po(r) for r in self._c.execute(stmt)]

    def unconfirmed_ids(self, document_id: int) -> list[int]:
        """Ids of the document's orders still ``parsed`` with no sales order, in order (ids only)."""
        stmt = (
            select(pos.c.id)
            .where(
                pos.c.document_id == document_id,
                pos.c.kind == "order",
                pos.c.status == "parsed",
                ~select(sales_orders.c.id).where(sales_orders.c.purchase_order_id == pos.c.id).exists(),
            )
            .order_by(pos.c.id)
        )
        return [int(i) for i in self._c.execute(stmt).scalars()]

    def unconfirmed(
        self,
        document_id: int,
        *,
        after: int = 0,
        limit: int = 100,
        known: Callable[[int], PurchaseOrder | None] | None = None,
    ) -> list[StoredPurchaseOrder]:
        """The document's orders still ``parsed`` with no sales order, by id, those after ``after``.

        ``known(id)`` may hand back an order's document as it was stored (parsed in this
        process: see ``gateway.services.ports.Handover``); only the others' canonical JSON is
        read and validated."""
        where = (
            pos.c.document_id == document_id,
            pos.c.kind == "order",
            pos.c.status == "parsed",
            pos.c.id > after,
            ~select(sales_orders.c.id).where(sales_orders.c.purchase_order_id == pos.c.id).exists(),
        )
        if known is None:
            stmt = select(pos).where(*where).order_by(pos.c.id).limit(limit)
            return [_stored_po(r) for r in self._c.execute(stmt)]
        heads = self._c.execute(select(*_PO_HEAD).where(*where).order_by(pos.c.id).limit(limit)).all()
        found: dict[int, StoredPurchaseOrder] = {}
        missing: list[int] = []
        for r in heads:
            document = known(r.id)
            if document is None:
                missing.append(r.id)
            else:
                found[r.id] = _stored_po(r, document)
        if missing:
            for r in self._c.execute(select(pos).where(pos.c.id.in_(missing))):
                found[r.id] = _stored_po(r)
        return [found[r.id] for r in heads]

    def document_ids(self, purchase_order_ids: Iterable[int]) -> dict[int, int]:
        """Purchase order id → the id of the document it came in (the canonical order is not read)."""
        wanted = sorted(set(purchase_order_ids))
        if not wanted:
            return {}
        stmt = select(pos.c.id, pos.c.document_id).where(pos.c.id.in_(wanted))
        return {int(i): int(d) for i, d in self._c.execute(stmt)}

    def numbers(self, purchase_order_ids: Iterable[int]) -> dict[int, str]:
        """Purchase order id → PO number (the canonical document is not read)."""
        wanted = sorted(set(purchase_order_ids))
        if not wanted:
            return {}
        stmt = select(pos.c.id, pos.c.po_number).where(pos.c.id.in_(wanted))
        return {int(i): str(n) for i, n in self._c.execute(stmt)}

    def set_status(self, purchase_order_id: int, status: str) -> None:
        result = self._c.execute(update(pos).where(pos.c.id == purchase_order_id).values(status=status))
        if result.rowcount == 0:
            raise NotFound(f"no purchase order {purchase_order_id}")

    def settle_change(self, change_id: int, status: str, waiting: Iterable[str] = ("parsed", "held")) -> bool:
        """Mark a change answered, only if it is still waiting; False when another run answered it.

        A compare-and-set: on PostgreSQL a second writer waits for the first's row lock and then
        finds the status changed (0 rows), on SQLite the write lock serialises them."""
        result = self._c.execute(
            update(pos)
            .where(pos.c.id == change_id, pos.c.kind == "change", pos.c.status.in_(list(waiting)))
            .values(status=status)
        )
        return result.rowcount == 1

    def set_statuses(self, statuses: Iterable[tuple[int, str]]) -> None:
        """``set_status`` for many orders in one statement (on PostgreSQL one of column arrays;
        elsewhere an executemany); an order named twice takes the last status given."""
        wanted = dict(statuses)
        if not wanted:
            return
        if is_postgresql(self._c):
            result = self._c.exec_driver_sql(_SET_PO_STATUS_ARRAYS, (list(wanted), list(wanted.values())))
        else:
            rows = [{"b_id": po_id, "b_status": status} for po_id, status in wanted.items()]
            result = self._c.execute(_SET_PO_STATUS, rows)
        if result.rowcount != len(wanted):
            raise NotFound("a purchase order to update does not exist")


_SET_PO_STATUS_ARRAYS = (
    "UPDATE purchase_orders AS p SET status = v.status "
    "FROM unnest(%s::BIGINT[], %s::TEXT[]) AS v(id, status) WHERE p.id = v.id"
)
_SET_PO_STATUS = update(pos).where(pos.c.id == bindparam("b_id")).values(status=bindparam("b_status"))


# sales orders ---------------------------------------------------------------
_LINE_INSERT = lines_t.insert()
_ALLOCATION_INSERT = allocations.insert().from_select(
    ["sales_order_line_id", "warehouse", "quantity"],
    select(
        lines_t.c.id,
        cast(bindparam("b_warehouse", type_=String()), String()),
        cast(bindparam("b_quantity", type_=Amount()), Amount()),
    ).where(lines_t.c.sales_order_id == bindparam("b_so"), lines_t.c.position == bindparam("b_position")),
)


def _header_values(order: SalesOrder) -> dict[str, Any]:
    return {
        "partner_id": order.partner_id,
        "po_number": order.po_number,
        "status": OrderStatus(order.status).value,
        "ack_type": AckType(order.ack_type).value,
        "ship_from": order.ship_from,
        "order_date": order.order_date,
        "outcomes": _outcomes_json(order.outcomes),
    }


_LINE_KEYS = (
    "sales_order_id",
    "position",
    "line_number",
    "sku",
    "ordered_quantity",
    "unit",
    "base_quantity",
    "factor",
    "unit_price",
    "sent_price",
    "confirmed_quantity",
    "backordered_quantity",
    "cancelled_quantity",
    "shipped_quantity",
    "statuses",
    "promised_date",
    "requested_date",
    "outcomes",
)
_LINE_ROWS = DriverRows(_LINE_INSERT, _LINE_KEYS, column_keys=True)
_ALLOCATION_ROWS = DriverRows(_ALLOCATION_INSERT, ("b_warehouse", "b_quantity", "b_so", "b_position"))
_LINE_ARRAYS = ArrayInsert(lines_t, _LINE_KEYS, returning=("id", "sales_order_id", "position"))
_ALLOCATION_ARRAYS = ArrayInsert(allocations, ("warehouse", "quantity"))
_PG_LINES: dict[str, str] = {}


def _write_lines(
    connection: Connection, rows: Sequence[tuple[Any, ...]], allocation_rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert sales-order lines (``_LINE_KEYS`` rows) and their allocations ((warehouse, quantity,
    sales order id, position) rows: each finds its line by the lines' unique key).

    On PostgreSQL both go in one statement of column arrays (the lines' INSERT as a CTE
    whose RETURNING the allocations join), whatever the number of rows; elsewhere in two
    executemanys."""
    if not rows or not is_postgresql(connection):
        _LINE_ROWS.execute(connection, rows)
        _ALLOCATION_ROWS.execute(connection, allocation_rows)
        return
    dialect = connection.dialect
    sql = _PG_LINES.get(dialect.name)
    if sql is None:
        sql = _PG_LINES[dialect.name] = (
            f"WITH l AS ({_LINE_ARRAYS.sql(dialect)}) "
            "INSERT INTO allocations (sales_order_line_id, warehouse, quantity) "
            "SELECT l.id, a.warehouse, a.quantity FROM l JOIN unnest("
            "%s::TEXT[], %s::NUMERIC[], %s::BIGINT[], %s::INTEGER[]) WITH ORDINALITY "
            "AS a(warehouse, quantity, so, pos, n) ON l.sales_order_id = a.so AND l.position = a.pos "
            "ORDER BY a.n"  # allocation ids in the order given, as an executemany assigns them
        )
    line_arrays = _LINE_ARRAYS.arrays(dialect, rows)
    warehouse, quantity, so, position = (
        [list(c) for c in zip(*allocation_rows, strict=True)] if allocation_rows else [[], [], [], []]
    )
    allocation_arrays = _ALLOCATION_ARRAYS.arrays(dialect, list(zip(warehouse, quantity, strict=True)))
    connection.exec_driver_sql(sql, (*line_arrays, *allocation_arrays, so, position))


def _line_row(sales_order_id: int, position: int, line: SalesOrderLine) -> tuple[Any, ...]:
    """A sales-order line as a row in ``_LINE_KEYS`` order."""
    return (
        sales_order_id,
        position,
        line.line_number,
        line.sku,
        line.ordered_quantity,
        line.unit,
        line.base_quantity,
        line.factor,
        line.unit_price,
        line.sent_price,
        line.confirmed_quantity,
        line.backordered_quantity,
        line.cancelled_quantity,
        line.shipped_quantity,
        [LineStatus(s).value for s in line.statuses],
        line.promised_date,
        line.requested_date,
        _outcomes_json(line.outcomes),
    )


_SO_INSERTS: dict[str, Any] = {}


def _so_insert(connection: Connection) -> Any:
    """INSERT ... ON CONFLICT (purchase_order_id) DO NOTHING RETURNING id, built once per dialect."""
    name = connection.dialect.name
    stmt = _SO_INSERTS.get(name)
    if stmt is None:
        stmt = _SO_INSERTS[name] = (
            insert(connection, sales_orders)
            .on_conflict_do_nothing(index_elements=[sales_orders.c.purchase_order_id])
            .returning(sales_orders.c.id)
        )
    return stmt


class SalesOrderRepository:
    """At most one sales order per purchase order (``add`` is idempotent on it)."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, order: SalesOrder, purchase_order_id: int) -> int:
        """Store ``order`` for the purchase order; the existing id when it already has one."""
        new_id = self.add_new(order, purchase_order_id)
        if new_id is None:
            existing = self.ids_by_purchase_order([purchase_order_id])[purchase_order_id]
            return int(existing)
        return new_id

    def add_new(self, order: SalesOrder, purchase_order_id: int, *, lines: bool = True) -> int | None:
        """Store ``order`` for the purchase order; None (and nothing stored) when it already has one.

        With ``lines=False`` only the header is stored: the caller stores the lines of many
        orders at once with ``add_lines`` in the same transaction."""
        at = now()
        params = {"purchase_order_id": purchase_order_id, "created_at": at, "updated_at": at}
        params.update(_header_values(order))
        new_id = self._c.execute(_so_insert(self._c), params).scalar_one_or_none()
        if new_id is None:
            return None
        if lines:
            self.add_lines([(int(new_id), order)])
        return int(new_id)

    def add_new_many(self, orders: Sequence[tuple[SalesOrder, int]]) -> dict[int, int]:
        """``add_new(order, purchase_order_id, lines=False)`` for many orders in one statement:
        purchase order id → new sales order id, for those stored (one that already has a sales
        order is left out, and nothing is stored for it)."""
        if not orders:
            return {}
        at = now()
        rows = []
        for order, purchase_order_id in orders:
            row = {"purchase_order_id": purchase_order_id, "created_at": at, "updated_at": at}
            row.update(_header_values(order))
            rows.append(row)
        stmt = (
            insert(self._c, sales_orders)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[sales_orders.c.purchase_order_id])
            .returning(sales_orders.c.purchase_order_id, sales_orders.c.id)
        )
        return {int(p): int(i) for p, i in self._c.execute(stmt)}

    def add_lines(self, orders: Iterable[tuple[int, SalesOrder]]) -> None:
        """The lines (and their allocations) of sales orders whose headers are stored, all at
        once (``_write_lines``: on PostgreSQL one statement of column arrays; elsewhere every
        line in one executemany and every allocation in another, each finding its line by
        (sales order, position), the lines' unique key, so no line id has to come back)."""
        rows: list[tuple[Any, ...]] = []
        allocation_rows: list[tuple[Any, ...]] = []
        for sales_order_id, order in orders:
            for p, line in enumerate(order.lines):
                rows.append(_line_row(sales_order_id, p, line))
                for a in line.allocations:
                    allocation_rows.append((a.warehouse, a.quantity, sales_order_id, p))
        _write_lines(self._c, rows, allocation_rows)

    def unanswered(
        self, document_id: int, statuses: Iterable[str], answer_types: Iterable[str]
    ) -> list[tuple[int, int]]:
        """(sales order id, purchase order id) of the document's orders whose sales order is in
        one of ``statuses`` and has no outbound document of ``answer_types`` yet."""
        answered = (
            select(outbound_documents.c.id)
            .where(
                outbound_documents.c.purchase_order_id == pos.c.id,
                outbound_documents.c.doc_type.in_(list(answer_types)),
            )
            .exists()
        )
        stmt = (
            select(sales_orders.c.id, pos.c.id)
            .join(pos, pos.c.id == sales_orders.c.purchase_order_id)
            .where(
                pos.c.document_id == document_id,
                pos.c.kind == "order",
                sales_orders.c.status.in_(list(statuses)),
                ~answered,
            )
            .order_by(sales_orders.c.id)
        )
        return [(int(so), int(po)) for so, po in self._c.execute(stmt)]

    def statuses_since(self, since: datetime) -> list[tuple[int, str]]:
        """(id, status) of the sales orders created at or after ``since``, by id (nothing else read)."""
        stmt = (
            select(sales_orders.c.id, sales_orders.c.status)
            .where(sales_orders.c.created_at >= since)
            .order_by(sales_orders.c.id)
        )
        return [(int(i), str(s)) for i, s in self._c.execute(stmt)]

    def ids_by_purchase_order(self, purchase_order_ids: Iterable[int]) -> dict[int, int]:
        """Purchase order id → sales order id, for those that have one."""
        wanted = sorted(set(purchase_order_ids))
        if not wanted:
            return {}
        stmt = select(sales_orders.c.purchase_order_id, sales_orders.c.id).where(
            sales_orders.c.purchase_order_id.in_(wanted)
        )
        return {int(p): int(i) for p, i in self._c.execute(stmt)}

    def update(self, sales_order_id: int, order: SalesOrder) -> None:
        """Replace the header and the lines (a reprocessed or reviewed order)."""
        result = self._c.execute(
            update(sales_orders)
            .where(sales_orders.c.id == sales_order_id)
            .values(updated_at=now(), **_header_values(order))
        )
        if result.rowcount == 0:
            raise NotFound(f"no sales order {sales_order_id}")
        # lines keep their rows (by position): shipment lines and other records point at them
        existing = {
            int(r.position): int(r.id)
            for r in self._c.execute(
                select(lines_t.c.id, lines_t.c.position).where(lines_t.c.sales_order_id == sales_order_id)
            )
        }
        if existing:
            self._c.execute(
                delete(allocations).where(allocations.c.sales_order_line_id.in_(list(existing.values())))
            )
        added: list[tuple[Any, ...]] = []
        allocation_rows: list[tuple[Any, ...]] = []
        for p, line in enumerate(order.lines):
            row = _line_row(sales_order_id, p, line)
            line_id = existing.pop(p, None)
            if line_id is None:
                added.append(row)
            else:
                values = dict(zip(_LINE_KEYS, row, strict=True))
                self._c.execute(update(lines_t).where(lines_t.c.id == line_id).values(**values))
            for a in line.allocations:
                allocation_rows.append((a.warehouse, a.quantity, sales_order_id, p))
        if existing:  # positions the order no longer has
            self._c.execute(delete(lines_t).where(lines_t.c.id.in_(list(existing.values()))))
        _write_lines(self._c, added, [])
        _ALLOCATION_ROWS.execute(self._c, allocation_rows)  # kept and new lines alike, by their key

    def _insert_lines(self, sales_order_id: int, order: SalesOrder) -> None:
        self.add_lines([(sales_order_id, order)])

    def lock(self, sales_order_id: int) -> None:
        """Hold the sales order's row for this transaction (PostgreSQL ``FOR UPDATE``; SQLite's
        write lock already holds the whole database), so no other writer changes it meanwhile."""
        self._c.execute(
            select(sales_orders.c.id).where(sales_orders.c.id == sales_order_id).with_for_update()
        )

    def get(self, sales_order_id: int) -> StoredSalesOrder | None:
        found = self._load(select(sales_orders).where(sales_orders.c.id == sales_order_id))
        return found[0] if found else None

    def find(self, partner_id: str, po_number: str) -> StoredSalesOrder | None:
        """The latest sales order for this partner's PO number."""
        stmt = (
            select(sales_orders)
            .where(sales_orders.c.partner_id == partner_id, sales_orders.c.po_number == po_number)
            .order_by(sales_orders.c.id.desc())
            .limit(1)
        )
        found = self._load(stmt)
        return found[0] if found else None

    def get_by_po(self, partner_id: str, po_number: str) -> SalesOrder | None:
        stored = self.find(partner_id, po_number)
        return stored.order if stored is not None else None

    def get_by_purchase_order(self, purchase_order_id: int) -> StoredSalesOrder | None:
        found = self._load(select(sales_orders).where(sales_orders.c.purchase_order_id == purchase_order_id))
        return found[0] if found else None

    def list(
        self,
        status: str | None = None,
        limit: int | None = None,
        *,
        partner_id: str | None = None,
        after: int | None = None,
    ) -> list[StoredSalesOrder]:
        """Sales orders by id (of ``status``, of ``partner_id``, with an id above ``after``)."""
        stmt = select(sales_orders).order_by(sales_orders.c.id)
        if status is not None:
            stmt = stmt.where(sales_orders.c.status == status)
        if partner_id is not None:
            stmt = stmt.where(sales_orders.c.partner_id == partner_id)
        if after is not None:
            stmt = stmt.where(sales_orders.c.id > after)
        if limit is not None:
            stmt = stmt.limit(limit)
        return self._load(stmt)

    def by_po_number(self, po_number: str, partner_id: str | None = None) -> list[StoredSalesOrder]:
        """The sales orders for a PO number (of one partner, or of any that used the number), by id."""
        stmt = select(sales_orders).where(sales_orders.c.po_number == po_number).order_by(sales_orders.c.id)
        if partner_id is not None:
            stmt = stmt.where(sales_orders.c.partner_id == partner_id)
        return self._load(stmt)

    def _load(self, stmt: Any) -> list[StoredSalesOrder]:
        headers = self._c.execute(stmt).all()
        if not headers:
            return []
        ids = [h.id for h in headers]
        line_rows = self._c.execute(
            select(lines_t)
            .where(lines_t.c.sales_order_id.in_(ids))
            .order_by(lines_t.c.sales_order_id, lines_t.c.position)
        ).all()
        allocs: dict[int, list[Allocation]] = {}
        if line_rows:
            alloc_stmt = (
                select(allocations)
                .where(allocations.c.sales_order_line_id.in_([r.id for r in line_rows]))
                .order_by(allocations.c.id)
            )
            for a in self._c.execute(alloc_stmt):
                allocs.setdefault(a.sales_order_line_id, []).append(Allocation(a.warehouse, a.quantity))
        lines: dict[int, list[SalesOrderLine]] = {i: [] for i in ids}
        for r in line_rows:
            lines[r.sales_order_id].append(
                SalesOrderLine(
                    line_number=r.line_number,
                    sku=r.sku,
                    ordered_quantity=r.ordered_quantity,
                    unit=r.unit,
                    base_quantity=r.base_quantity,
                    unit_price=r.unit_price,
                    sent_price=r.sent_price,
                    confirmed_quantity=r.confirmed_quantity,
                    backordered_quantity=r.backordered_quantity,
                    cancelled_quantity=r.cancelled_quantity,
                    shipped_quantity=r.shipped_quantity,
                    statuses=[LineStatus(s) for s in r.statuses],
                    allocations=allocs.get(r.id, []),
                    promised_date=r.promised_date,
                    requested_date=r.requested_date,
                    factor=r.factor,
                    outcomes=_outcomes(r.outcomes),
                )
            )
        return [
            StoredSalesOrder(
                id=h.id,
                purchase_order_id=h.purchase_order_id,
                created_at=h.created_at,
                updated_at=h.updated_at,
                order=SalesOrder(
                    partner_id=h.partner_id,
                    po_number=h.po_number,
                    status=OrderStatus(h.status),
                    ack_type=AckType(h.ack_type),
                    lines=lines[h.id],
                    outcomes=_outcomes(h.outcomes),
                    ship_from=h.ship_from,
                    order_date=h.order_date,
                ),
            )
            for h in headers
        ]
