"""Use case: the acknowledgements a file earns (997/999 per group, TA1 when due)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from outbound.x12.ack import AckBuilder, AckResult
from outbound.x12.control import ControlNumberAllocator, InMemoryControlNumbers
from parsers.x12.process import ParsedSet, parse_stream


@dataclass(slots=True)
class AckOutcome:
    results: list[AckResult] = field(default_factory=list)
    rejected: bool = False  # something in the file was rejected

    @property
    def acknowledgements(self) -> list[bytes]:
        return [r.data for r in self.results if r.data is not None]


def acknowledge_file(stream: BinaryIO, allocator: ControlNumberAllocator | None = None) -> AckOutcome:
    builder = AckBuilder(allocator or InMemoryControlNumbers())
    outcome = AckOutcome()
    for event in parse_stream(stream):
        item = event.transaction_set if isinstance(event, ParsedSet) else event
        if getattr(item, "fatal", False):
            outcome.rejected = True
        outcome.results.extend(builder.feed(item))
    outcome.results.extend(builder.finish())
    return outcome
