"""ISA14: a partner whose profile asks for interchange acknowledgements (``ack_requested``) gets
ISA14 = 1 on every document we write to it — the 855 as much as the 856 and 810 — and the others 0."""

from __future__ import annotations

from pathlib import Path

from tests.integration.pipeline_helpers import open_pipeline, sample


def _isa14(data: bytes) -> str:
    element = chr(data[3])
    return data[:106].decode("ascii").split(element)[14]


def test_the_855_carries_isa14_as_the_profile_says(db_url: str, tmp_path: Path) -> None:
    with open_pipeline(db_url, tmp_path) as p:
        p.run(sample("850-5010-delta-test-mode.x12"))  # DELTAMRO: ack_requested: true
        p.run(sample("850-4010-acme.x12"))  # ACMEHARDWARE: not asked
        with p.uow() as uow:
            (delta,) = uow.outbound.list(partner_id="DELTAMRO", doc_type="855")
            (acme,) = uow.outbound.list(partner_id="ACMEHARDWARE", doc_type="855")
    assert _isa14(delta.data) == "1"
    assert _isa14(acme.data) == "0"
