"""Control-number blocks, as the 855 writers use them: numbers handed out, given back, voided.

On SQLite (``ControlNumberBlock``) the counter moves in the unit of work's own
transaction: a rollback gives every number back.  On PostgreSQL
(``LeasedControlNumberBlock``) ranges are taken in transactions of their own:
what a range has left over goes back to the counter when no one took numbers
after it, and what a rolled-back unit of work used stays in the ledger, voided.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.adapters.db.uow import SqlUnitOfWork

NewUow = Callable[[], SqlUnitOfWork]
KEY = "ZZ:ACME"


def _take(uow: SqlUnitOfWork, count: int, reserve: int, link_to: int | None = None) -> list[int]:
    block = uow.control_numbers.block()
    block.reserve(KEY, reserve)
    values = [block.next(KEY, "ISA") for _ in range(count)]
    block.link(link_to)
    block.flush()
    return values


def _leased(uow: SqlUnitOfWork) -> bool:
    return uow.connection.dialect.name == "postgresql"


def test_what_a_range_leaves_goes_back_and_numbers_follow_on(new_uow: NewUow) -> None:
    with new_uow() as uow:
        assert _take(uow, 3, reserve=10) == [1, 2, 3]
        uow.commit()
    with new_uow() as uow:
        assert uow.control_numbers.last(KEY, "ISA") == 3  # the 7 left over went back
        assert uow.control_numbers.issued(KEY, "ISA") == [1, 2, 3]
        assert _take(uow, 2, reserve=1) == [4, 5]  # a second range taken when the first ran out
        uow.commit()
    with new_uow() as uow:
        assert uow.control_numbers.last(KEY, "ISA") == 5
        assert sorted(uow.control_numbers.issued(KEY, "ISA")) == [1, 2, 3, 4, 5]


def test_a_rolled_back_unit_of_work_leaves_its_numbers_voided_or_given_back(new_uow: NewUow) -> None:
    with new_uow() as uow:
        leased = _leased(uow)
        _take(uow, 2, reserve=2)
        # rolled back
    with new_uow() as uow:
        if leased:
            assert uow.control_numbers.last(KEY, "ISA") == 2
            assert uow.control_numbers.voided(KEY, "ISA") == [1, 2]
            assert _take(uow, 1, reserve=1) == [3]  # never handed out again
        else:
            assert uow.control_numbers.last(KEY, "ISA") == 0
            assert _take(uow, 1, reserve=1) == [1]
        uow.commit()


def test_reset_puts_numbers_back_into_the_block(new_uow: NewUow) -> None:
    with new_uow() as uow:
        block = uow.control_numbers.block()
        block.reserve(KEY, 5)
        assert block.next(KEY, "ST") == 1
        mark = block.mark()
        assert [block.next(KEY, "ST"), block.next(KEY, "ST")] == [2, 3]
        block.reset(mark)  # that document was not stored
        assert block.next(KEY, "ST") == 2
        block.link(None)
        block.flush()
        uow.commit()
    with new_uow() as uow:
        assert uow.control_numbers.last(KEY, "ST") == 2


def test_a_range_someone_took_after_is_not_given_back(new_uow: NewUow, engine: object) -> None:
    with new_uow() as uow:
        if not _leased(uow):
            pytest.skip("SQLite hands numbers out inside the unit of work: no ranges")
        first = uow.control_numbers.block()
        first.reserve(KEY, 5)
        assert first.next(KEY, "GS") == 1
        with new_uow() as other:  # another worker, meanwhile
            assert _take_gs(other) == [6]
            other.commit()
        first.link(None)
        first.flush()  # 2..5 cannot go back: 6 was handed out after them
        uow.commit()
    with new_uow() as uow:
        assert uow.control_numbers.last(KEY, "GS") == 6
        assert uow.control_numbers.voided(KEY, "GS") == [1, 2, 3, 4, 5, 6]  # none linked to a document
        assert sorted(uow.control_numbers.issued(KEY, "GS")) == [1, 2, 3, 4, 5, 6]


def _take_gs(uow: SqlUnitOfWork) -> list[int]:
    block = uow.control_numbers.block()
    value = block.next(KEY, "GS")
    block.link(None)
    block.flush()
    return [value]


def test_blocks_in_parallel_hand_out_each_number_once(new_uow: NewUow) -> None:
    got: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            for n in range(20):
                with new_uow() as uow:
                    values = _take(uow, 1 + (n % 3), reserve=2)
                    if n % 7 == 3:
                        continue  # rolled back
                    uow.commit()
                with lock:
                    got.extend(values)
        except BaseException as exc:  # asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(got) == len(set(got)), "a number was handed out twice"
    with new_uow() as uow:
        issued = sorted(uow.control_numbers.issued(KEY, "ISA"))
        assert issued == list(range(1, uow.control_numbers.last(KEY, "ISA") + 1))
        assert set(got) <= set(issued)
        if not _leased(uow):
            assert sorted(got) == issued


def test_cli_lists_counters_and_voided_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.config import SAMPLES
    from gateway.entrypoints.cli import main

    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["init", *data]) == 0
    sample = SAMPLES / "x12" / "850-4010-acme-short.x12"
    assert main(["ingest", str(sample), *data]) == 0
    capsys.readouterr()
    assert main(["control-numbers", "--partner", "ZZ:ACMEHARDWARE", *data]) == 0
    out = capsys.readouterr().out
    lines = [ln.split() for ln in out.splitlines()[1:]]
    assert {ln[1] for ln in lines} == {"GS", "ISA", "ST"}
    assert all(ln[0] == "ZZ:ACMEHARDWARE" and int(ln[2]) >= 2 and ln[4] == "0" for ln in lines), out
