"""Four worker processes, 2,000 orders, scarce stock: no oversell, every order answered.

100 interchanges of 20 Acme purchase orders each (2,000 orders, one or two lines
each over five scarce SKUs, about three times more wanted than there is) are
archived and queued on Redis (a server of this test's own); four ``ordergate
worker`` processes of two threads take them from the queue on PostgreSQL and
compete for the stock rows.  Afterwards: every order has one sales order and
one 855, nothing is allocated beyond what is on hand, what is allocated is
exactly what the confirmed orders hold, on hand is unchanged (nothing shipped),
no control number was used twice, and every outbound document is delivered.

One of the workers serves its Prometheus metrics and logs JSON: the scrape
shows the steps it ran and the documents processed, and its log lines name the
documents they are about.
"""

from __future__ import annotations

import json
import random
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.bootstrap import build, build_queued, init_database
from gateway.domain.catalog import Item
from gateway.services.receive import receive
from tests.integration.pipeline_helpers import (
    Line,
    assert_control_numbers_unique,
    assert_delivered,
    assert_stock_consistent,
    po_850_body,
    x12_interchange,
)
from tests.integration.worker_procs import (
    RedisServer,
    assert_control_numbers_gapless,
    free_port,
    postgres_url,
    redis_server,
    wait_for,
    worker_settings,
    workers,
)

DOCUMENTS = 100
PER_DOCUMENT = 20
SKUS = [f"ZZ-SCARCE-{n}" for n in range(5)]
ON_HAND = Decimal(300)
PRICE = Decimal("4.20")
PROCESSES = 4


@pytest.fixture
def redis_srv(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path / "redis") as server:
        yield server


def interchanges(seed: int = 8) -> tuple[list[bytes], dict[str, Decimal]]:
    rnd = random.Random(seed)
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    files = []
    for d in range(DOCUMENTS):
        sets = []
        for p in range(PER_DOCUMENT):
            lines = []
            for sku in rnd.sample(SKUS, rnd.choice((1, 2))):
                qty = Decimal(rnd.randint(1, 4))
                wanted[sku] += qty
                lines.append(Line(qty, "EA", PRICE, [("VP", sku)]))
            sets.append(po_850_body(f"SC-{d:03d}-{p:02d}", lines))
        files.append(x12_interchange(sets, control=60_000 + d))
    return files, dict(wanted)


def test_four_worker_processes_share_2000_orders_without_overselling(
    redis_srv: RedisServer, tmp_path: Path
) -> None:
    files, wanted = interchanges()
    assert all(wanted[sku] > 2 * ON_HAND for sku in SKUS)  # scarce: every SKU runs out
    with postgres_url() as pg_url:
        settings = worker_settings(pg_url, redis_srv.url, tmp_path)
        init_database(settings)
        check = build(settings)
        with check.context.uow() as uow:
            for sku in SKUS:
                uow.catalog.upsert_item(Item(sku, f"SCARCE {sku}", list_price=PRICE))
                uow.catalog.set_stock(sku, "COL", ON_HAND)
            uow.commit()
        runtime, broker = build_queued(settings)
        ids = [
            receive(runtime.context, raw, channel="test", filename=f"sc-{n}.x12", message_id=f"sc-{n}")
            for n, raw in enumerate(files)
        ]
        broker.close()
        runtime.engine.dispose()
        port = free_port()

        def all_answered() -> None:
            with check.engine.connect() as conn:
                count = lambda sql: conn.execute(text(sql)).scalar_one()  # noqa: E731
                assert count("SELECT count(*) FROM inbound_documents WHERE status = 'received'") == 0
                assert count("SELECT count(*) FROM sales_orders") == DOCUMENTS * PER_DOCUMENT
                assert (
                    count(
                        "SELECT count(DISTINCT purchase_order_id) FROM outbound_documents "
                        "WHERE doc_type = '855'"
                    )
                    == DOCUMENTS * PER_DOCUMENT
                )
                assert count("SELECT count(*) FROM outbound_documents WHERE delivery_status <> 'sent'") == 0

        with workers(settings, tmp_path / "logs") as w:
            w.start("--metrics-port", str(port), "--log-format", "json")
            for _ in range(PROCESSES - 1):
                w.start()
            wait_for(all_answered, timeout=300, interval=1.0)
            scrape = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
            log_lines = w.log(0).splitlines()
            assert all(p.poll() is None for p in w.procs)  # all four were alive to the end

        with check.engine.connect() as conn:
            # one PO row, one sales order and one 855 per order; one 997 per interchange
            dup = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM purchase_orders) - (SELECT count(DISTINCT po_number) "
                    "FROM purchase_orders), (SELECT count(*) FROM sales_orders) - (SELECT count(DISTINCT "
                    "purchase_order_id) FROM sales_orders), (SELECT count(*) FROM outbound_documents WHERE "
                    "doc_type = '855') - (SELECT count(DISTINCT purchase_order_id) FROM outbound_documents "
                    "WHERE doc_type = '855'), "
                    "(SELECT count(*) FROM outbound_documents WHERE doc_type <> '855')"
                )
            ).one()
            assert tuple(dup) == (0, 0, 0, DOCUMENTS)
            assert_control_numbers_gapless(conn)
        with check.context.uow() as uow:
            assert_stock_consistent(uow)  # type: ignore[arg-type]
            assert_control_numbers_unique(uow)  # type: ignore[arg-type]
            assert_delivered(uow, settings.outbox)  # type: ignore[arg-type]
            levels = {lv.sku: lv for lv in uow.catalog.stock(SKUS)}
            for sku in SKUS:
                assert levels[sku].on_hand == ON_HAND  # nothing shipped: on hand = initial
                assert levels[sku].allocated <= ON_HAND
            assert sum(lv.allocated for lv in levels.values()) > 0
            assert not uow.failed_steps.list()
        check.engine.dispose()

    # the metrics of the first worker: its own steps, and the database's document totals
    assert 'ordergate_documents_processed_total{channel="test",partner="ACMEHARDWARE"} 100.0' in scrape
    assert 'ordergate_steps_total{outcome="ok",step="process_document"}' in scrape
    assert 'ordergate_queue_messages{queue="ordergate",state="waiting"}' in scrape
    # its log: one JSON object a line, naming the step and the document
    records = [json.loads(line) for line in log_lines if line.startswith("{")]
    assert records and all({"ts", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r.get("step") == "process_document" and r.get("document_id") in ids for r in records)
