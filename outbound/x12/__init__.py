"""Outbound X12: the envelope writer, control numbers and acknowledgements (no I/O)."""

from outbound.x12.ack import AckBuilder, AckKind, AckResult, GroupAnswer, SetAnswer
from outbound.x12.control import ControlNumberAllocator, InMemoryControlNumbers
from outbound.x12.errors import WriterError
from outbound.x12.writer import (
    DEFAULT_SEPARATORS,
    TA1,
    Envelope,
    GroupContent,
    Party,
    SetContent,
    WrittenGroup,
    WrittenInterchange,
    X12Writer,
)

__all__ = [
    "DEFAULT_SEPARATORS",
    "TA1",
    "AckBuilder",
    "AckKind",
    "AckResult",
    "ControlNumberAllocator",
    "Envelope",
    "GroupAnswer",
    "GroupContent",
    "InMemoryControlNumbers",
    "Party",
    "SetAnswer",
    "SetContent",
    "WriterError",
    "WrittenGroup",
    "WrittenInterchange",
    "X12Writer",
]
