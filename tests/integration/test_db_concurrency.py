"""Concurrency: control numbers never repeat and are all accounted for, stock is never oversold.

Each worker thread opens its own unit of work per step, as separate worker
processes would; on PostgreSQL the row locks serialise them, on SQLite the
``BEGIN IMMEDIATE`` transactions do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal

from gateway.adapters.db.errors import Oversell
from gateway.adapters.db.uow import SqlUnitOfWork
from gateway.domain.catalog import Item, Warehouse

NewUow = Callable[[], SqlUnitOfWork]
THREADS = 8


def run_threads(work: Callable[[int], None], count: int = THREADS) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def target(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:  # collected and asserted on by the test
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_control_numbers_are_unique_and_accounted_for_under_concurrency(new_uow: NewUow) -> None:
    """No number is handed out twice.  On SQLite a rolled-back number is handed out again (no
    gaps); on PostgreSQL, where numbers are taken in transactions of their own, it stays in the
    ledger unused: every number up to the counter is in the ledger exactly once."""
    per_thread = 200
    partners = ("ZZ:ACME", "ZZ:BRIGHT")
    got: dict[tuple[str, str], list[int]] = {(p, lv): [] for p in partners for lv in ("ISA", "ST")}
    lock = threading.Lock()

    def work(index: int) -> None:
        partner = partners[index % 2]
        for n in range(per_thread):
            level = "ISA" if n % 2 else "ST"
            with new_uow() as uow:
                value = uow.control_numbers.next(partner, level)
                if n % 10 == 3:
                    continue  # rolled back
                uow.commit()
            with lock:
                got[(partner, level)].append(value)

    assert run_threads(work) == []
    # per partner: 4 threads x 100 ST numbers, and 4 x 100 ISA numbers less the 20 each rolled back
    expected = {"ST": (THREADS // 2) * 100, "ISA": (THREADS // 2) * 80}
    rolled_back = {"ST": 0, "ISA": (THREADS // 2) * 20}
    with new_uow() as uow:
        gapless = uow.connection.dialect.name == "sqlite"
        for (partner, level), values in got.items():
            assert len(values) == len(set(values)), f"{partner} {level}: a number was handed out twice"
            issued = sorted(uow.control_numbers.issued(partner, level))
            last = uow.control_numbers.last(partner, level)
            assert issued == list(range(1, last + 1)), f"{partner} {level}: a number not in the ledger"
            assert set(values) <= set(issued)
            if gapless:
                assert sorted(values) == issued, f"{partner} {level}: a gap"
            else:
                assert len(issued) - len(values) == rolled_back[level]
        assert {key: len(v) for key, v in got.items()} == {(p, lv): expected[lv] for p, lv in got}


def _seed_scarce_stock(new_uow: NewUow, on_hand: Decimal) -> None:
    with new_uow() as uow:
        uow.catalog.upsert_item(Item("SCARCE", "Scarce item"))
        uow.catalog.upsert_item(Item("PLENTY", "Plentiful item"))
        uow.catalog.upsert_warehouse(Warehouse("EAST", "East DC"))
        uow.catalog.set_stock("SCARCE", "EAST", on_hand)
        uow.catalog.set_stock("PLENTY", "EAST", Decimal(1000))
        uow.commit()


def test_locked_allocation_never_oversells(new_uow: NewUow) -> None:
    on_hand, demand = Decimal(10), Decimal(3)
    _seed_scarce_stock(new_uow, on_hand)
    taken: list[Decimal] = []
    lock = threading.Lock()

    def work(_index: int) -> None:
        with new_uow() as uow:
            levels = {lv.sku: lv for lv in uow.catalog.lock_stock(["SCARCE", "PLENTY"])}
            take = min(demand, levels["SCARCE"].available)
            time.sleep(0.02)  # widen the window between read and write
            deltas = [("PLENTY", "EAST", Decimal(1))]
            if take > 0:
                deltas.append(("SCARCE", "EAST", take))
            uow.catalog.apply_allocations(deltas)
            uow.commit()
        with lock:
            taken.append(take)

    assert run_threads(work) == []
    with new_uow() as uow:
        levels = {lv.sku: lv for lv in uow.catalog.stock(["SCARCE", "PLENTY"])}
    scarce = levels["SCARCE"]
    assert scarce.allocated <= scarce.on_hand
    assert scarce.allocated == min(on_hand, demand * THREADS) == sum(taken)
    # first come, first served: three full takes, one of the remainder, nothing for the rest
    assert sorted(taken, reverse=True) == [demand] * 3 + [Decimal(1)] + [Decimal(0)] * (THREADS - 4)
    assert levels["PLENTY"].allocated == THREADS


def test_guarded_update_refuses_oversell_even_without_the_lock(new_uow: NewUow) -> None:
    on_hand, demand = Decimal(10), Decimal(3)
    _seed_scarce_stock(new_uow, on_hand)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(_index: int) -> None:
        with new_uow() as uow:
            try:
                uow.catalog.apply_allocations([("SCARCE", "EAST", demand)])
                uow.commit()
                result = "allocated"
            except Oversell:
                result = "refused"
        with lock:
            outcomes.append(result)

    assert run_threads(work) == []
    with new_uow() as uow:
        (scarce,) = uow.catalog.stock(["SCARCE"])
    assert outcomes.count("allocated") == 3 and outcomes.count("refused") == THREADS - 3
    assert scarce.allocated == demand * 3 <= scarce.on_hand
