"""Reading the partner's 997/999/TA1 and matching them to what we sent (pure logic, fake repositories)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.services.acknowledgements import read_acknowledgements, record_acknowledgements

AT = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)


def interchange(sets: list[tuple[str, str, list[str]]], control: int = 9, *, ta1: str | None = None) -> bytes:
    """From ACMEHARDWARE to us: (GS01, set id, body) per group of one set."""
    segs = [
        f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{'ACMEHARDWARE'.ljust(15)}*ZZ*{'ORDERGATE'.ljust(15)}"
        f"*261127*1300*U*00401*{control:09d}*0*P*>"
    ]
    if ta1:
        segs.append(ta1)
    for n, (gs01, set_id, body) in enumerate(sets, start=1):
        segs.append(f"GS*{gs01}*ACMEHARDWARE*ORDERGATE*20261127*1300*{n}*X*004010")
        segs.append(f"ST*{set_id}*0001")
        segs.extend(body)
        segs.append(f"SE*{len(body) + 2}*0001")
        segs.append(f"GE*1*{n}")
    segs.append(f"IEA*{len(sets)}*{control:09d}")
    return ("~".join(segs) + "~").encode("ascii")


def test_997_items_per_set_with_their_detail() -> None:
    body = [
        "AK1*PR*12",
        "AK2*855*0003",
        "AK5*A",
        "AK2*865*0004",
        "AK3*BCA*2**8",
        "AK4*2*587*7*XX",
        "AK5*R*5",
        "AK9*P*2*2*1",
    ]
    items = [item for _, item in read_acknowledgements(interchange([("FA", "997", body)]))]
    assert [(i.functional_id, i.group_control, i.set_id, i.set_control, i.status, i.code) for i in items] == [
        ("PR", "12", "855", "0003", "accepted", "A"),
        ("PR", "12", "865", "0004", "rejected", "R"),
    ]
    assert items[1].errors["segments"] == [
        {
            "segment": "BCA",
            "position": "2",
            "loop": "",
            "code": "8",
            "elements": [{"position": "2", "reference": "587", "code": "7", "value": "XX"}],
        }
    ]
    assert items[1].errors["set"] == ["5"]


def test_999_with_ik_segments_and_a_group_only_997_and_a_ta1() -> None:
    raw = interchange(
        [
            (
                "FA",
                "999",
                ["AK1*PR*7*005010", "AK2*855*0001", "IK3*PO1*4**8", "IK4*2*330*6*X", "IK5*E", "AK9*E*1*1*1"],
            ),
            ("FA", "997", ["AK1*CA*8", "AK9*R*1*1*0*5"]),
        ],
        ta1="TA1*000000031*261127*1200*R*022",
    )
    items = [item for _, item in read_acknowledgements(raw)]
    assert [(i.kind, i.status) for i in items] == [
        ("TA1", "rejected"),
        ("999", "accepted_with_errors"),
        ("997", "rejected"),
    ]
    ta1, ik, group = items
    assert (ta1.acknowledged_interchange, ta1.errors) == ("000000031", {"note": "022"})
    assert ik.errors["segments"][0]["elements"][0]["reference"] == "330"
    assert (group.group_control, group.set_control, group.errors) == ("8", None, {"group": ["5"]})


# -- matching, over fake repositories -------------------------------------------------


@dataclass
class Partner:
    id: str


@dataclass
class FakeUow:
    sent: dict[tuple[str, int, int, str], int]  # (partner, GS06, ST02, set id) -> outbound id
    sent_isa: dict[tuple[str, int], int]
    stored: list[dict[str, Any]] = field(default_factory=list)
    ack_status: dict[int, str] = field(default_factory=dict)
    audit_rows: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.partners = self
        self.acknowledgements = self
        self.outbound = self
        self.audit = self

    def find_by_x12(self, qualifier: str, isa_id: str) -> Partner | None:
        return Partner("ACME") if (qualifier, isa_id) == ("ZZ", "ACMEHARDWARE") else None

    def count_for_document(self, document_id: int) -> int:
        return sum(1 for r in self.stored if r["document_id"] == document_id)

    def match_set(self, partner: str, gs: int, st: int, set_id: str) -> int | None:
        return self.sent.get((partner, gs, st, set_id))

    def match_group(self, partner: str, gs: int) -> list[int]:
        return sorted({v for (p, g, _, _), v in self.sent.items() if p == partner and g == gs})

    def match_interchange(self, partner: str, isa: int) -> list[int]:
        found = self.sent_isa.get((partner, isa))
        return [found] if found is not None else []

    def add_many(self, rows: Any) -> None:
        self.stored.extend(rows)

    def set_ack_status(self, outbound_id: int, code: str) -> None:
        self.ack_status[outbound_id] = code

    def record(self, *row: Any) -> None:
        self.audit_rows.append(row)


def test_matching_sets_groups_interchanges_and_the_unmatched() -> None:
    uow = FakeUow(
        sent={("ACME", 12, 3, "855"): 101, ("ACME", 12, 4, "865"): 102}, sent_isa={("ACME", 31): 101}
    )
    raw = interchange(
        [
            ("FA", "997", ["AK1*PR*12", "AK2*855*0003", "AK5*A", "AK2*865*0004", "AK5*E", "AK9*E*2*2*2"]),
            ("FA", "997", ["AK1*PR*12", "AK9*A*2*2*2"]),  # the group alone: both its sets
            ("FA", "997", ["AK1*PR*77", "AK2*855*0009", "AK5*R", "AK9*R*1*1*0"]),  # never sent
        ],
        ta1="TA1*000000031*261127*1200*A*000",
    )
    named = record_acknowledgements(uow, 5, raw, AT)  # type: ignore[arg-type]
    assert sorted(set(named)) == [101, 102]
    got = [(r["kind"], r["set_control"], r["outbound_document_id"], r["status"]) for r in uow.stored]
    assert got == [
        ("TA1", None, 101, "accepted"),
        ("997", "0003", 101, "accepted"),
        ("997", "0004", 102, "accepted_with_errors"),
        ("997", None, 101, "accepted"),
        ("997", None, 102, "accepted"),
        ("997", "0009", None, "rejected"),  # kept, not dropped
    ]
    assert [r["position"] for r in uow.stored] == list(range(6))
    assert uow.ack_status == {101: "A", 102: "A"}  # the latest word on each
    assert uow.audit_rows[-1][4] == {"items": 6, "matched": [101, 102], "unmatched": 1}
    # a replay of the step records nothing twice
    assert record_acknowledgements(uow, 5, raw, AT) == []  # type: ignore[arg-type]
    assert len(uow.stored) == 6


def test_an_unknown_sender_is_recorded_unmatched() -> None:
    uow = FakeUow(sent={("ACME", 1, 1, "855"): 1}, sent_isa={})
    raw = interchange([("FA", "997", ["AK1*PR*1", "AK2*855*0001", "AK5*A", "AK9*A*1*1*1"])]).replace(
        b"ACMEHARDWARE   ", b"SOMEONEELSE    "
    )
    assert record_acknowledgements(uow, 6, raw, AT) == []  # type: ignore[arg-type]
    ((row),) = uow.stored
    assert (row["partner_id"], row["outbound_document_id"]) == (None, None)
