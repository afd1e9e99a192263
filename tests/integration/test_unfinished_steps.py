"""``unfinished_steps`` (resume and sweep) on a processed document, on SQLite and PostgreSQL.

It asks the database a fixed number of questions whatever the size of the document
(the same statements for 3 orders as for 40), reads none of the orders while all
are answered, and finds exactly what is missing: the sales orders whose 855 is gone
(``emit_855`` for each) and the pending answers and acknowledgement (``deliver``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import update

from gateway.adapters.db.tables import control_ledger, outbound_documents
from gateway.services.sweep import unfinished_steps
from tests.integration.pipeline_helpers import (
    Line,
    Pipeline,
    open_pipeline,
    po_850_body,
    recorded_statements,
    x12_interchange,
)
from tests.integration.test_scale_split import PRICE, SKU, _stock


def _document(p: Pipeline, orders: int, control: int) -> int:
    bodies = [
        po_850_body(f"RES-{control}-{n:03d}", [Line(Decimal(1), "EA", PRICE, [("VP", SKU)])])
        for n in range(orders)
    ]
    return p.run(x12_interchange(bodies, control), message_id=f"res-{control}")


def _statements(p: Pipeline, document_id: int) -> tuple[list[tuple[str, tuple[int, ...]]], list[str]]:
    with p.uow() as uow, recorded_statements(p.runtime.engine) as seen:
        steps = unfinished_steps(uow, document_id)
    return steps, [s.split()[0] + " " + s.split(" FROM ")[-1].split()[0] for s in seen]


def test_constant_queries_and_exact_steps(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        with p.uow() as uow:
            _stock(uow, Decimal(10_000))
        small = _document(p, 3, 61_001)
        large = _document(p, 40, 61_002)

        steps_small, asked_small = _statements(p, small)
        steps_large, asked_large = _statements(p, large)
        assert steps_small == [] and steps_large == []
        assert asked_small == asked_large  # the same questions for 3 orders as for 40
        assert not any("purchase_orders" in s and s.startswith("SELECT purchase_orders") for s in asked_large)

        with p.uow() as uow:
            c = uow.connection
            answers = c.execute(
                outbound_documents.select()
                .where(outbound_documents.c.doc_type == "855")
                .order_by(outbound_documents.c.id)
            ).all()
            of_large = [a for a in answers if a.purchase_order_id in _po_ids(uow, large)]
            gone, unsent = of_large[:2], of_large[5]
            for a in gone:  # as if a crash came between the sales order and its 855
                c.execute(
                    update(control_ledger)
                    .where(control_ledger.c.outbound_document_id == a.id)
                    .values(outbound_document_id=None)
                )
                c.execute(outbound_documents.delete().where(outbound_documents.c.id == a.id))
            ack = c.execute(
                outbound_documents.select().where(outbound_documents.c.inbound_document_id == large)
            ).one()
            c.execute(
                update(outbound_documents)
                .where(outbound_documents.c.id.in_([unsent.id, ack.id]))
                .values(delivery_status="pending")
            )
            so_ids = {
                a.purchase_order_id: uow.sales_orders.get_by_purchase_order(a.purchase_order_id).id
                for a in gone
            }
            uow.commit()

        steps, _ = _statements(p, large)
        assert steps == [
            ("emit_855", (so_ids[gone[0].purchase_order_id],)),
            ("emit_855", (so_ids[gone[1].purchase_order_id],)),
            ("deliver", tuple(sorted([unsent.id, ack.id]))),
        ]
        assert _statements(p, small)[0] == []  # the other document is untouched

        p.runtime.dispatcher.queue.clear()
        for step, ids in steps:
            p.runtime.dispatcher.send(step, *ids)
        p.runtime.drain()
        assert _statements(p, large)[0] == []  # answered again and delivered


def _po_ids(uow: Any, document_id: int) -> set[int]:
    return {po.id for po in uow.purchase_orders.for_document(document_id)}
