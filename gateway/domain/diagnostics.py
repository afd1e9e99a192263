"""Problems found in a document, each with a place and a stable code.

A diagnostic is data, not an exception: a parser collects them and carries on
where it safely can.  Each one knows what it means on the X12 wire (the
AK3/AK4/AK5/AK9 or IK3/IK4/IK5 code, or the TA1 note code) so the
acknowledgement writer needs no lookup table of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    FATAL = "fatal"  # the unit it belongs to (set, group or interchange) is rejected
    ERROR = "error"  # accepted with errors: reported in the acknowledgement
    WARNING = "warning"  # tolerated deviation; not reported to the sender


class Level(StrEnum):
    """Which envelope level a diagnostic belongs to."""

    FILE = "file"
    INTERCHANGE = "interchange"
    GROUP = "group"
    SET = "set"
    SEGMENT = "segment"
    ELEMENT = "element"


@dataclass(slots=True)
class Location:
    """Where a problem is.

    ``segment_position`` counts from ST = 1 within a transaction set (as AK301
    does); ``file_segment`` counts segments from the start of the interchange.
    """

    interchange: str | None = None
    group: str | None = None
    set_control: str | None = None
    set_id: str | None = None
    segment_id: str | None = None
    segment_position: int | None = None
    loop_id: str | None = None
    element_position: int | None = None
    component_position: int | None = None
    repetition: int | None = None
    element_reference: str | None = None
    file_segment: int | None = None
    byte_offset: int | None = None


@dataclass(slots=True)
class AckCodes:
    """The codes a diagnostic contributes to an acknowledgement.

    Only the fields of its level are set: ``segment`` (AK304/IK304),
    ``element`` (AK403/IK403), ``set`` (AK502/IK502), ``group`` (AK905),
    ``interchange`` (TA105).
    """

    segment: str | None = None
    element: str | None = None
    set: str | None = None
    group: str | None = None
    interchange: str | None = None


@dataclass(slots=True)
class Diagnostic:
    code: str
    message: str
    severity: Severity
    level: Level
    location: Location = field(default_factory=Location)
    ack: AckCodes = field(default_factory=AckCodes)
    bad_value: str | None = None

    @property
    def fatal(self) -> bool:
        return self.severity is Severity.FATAL

    def describe(self) -> str:
        loc = self.location
        where = []
        if loc.interchange:
            where.append(f"ISA {loc.interchange}")
        if loc.group:
            where.append(f"GS {loc.group}")
        if loc.set_control:
            where.append(f"ST {loc.set_id or ''} {loc.set_control}".replace("  ", " "))
        if loc.segment_id:
            seg = loc.segment_id
            if loc.segment_position is not None:
                seg += f" at position {loc.segment_position}"
            where.append(seg)
        if loc.element_position is not None:
            el = f"element {loc.element_position:02d}"
            if loc.component_position is not None:
                el += f"-{loc.component_position}"
            where.append(el)
        prefix = ", ".join(where)
        return f"{self.severity}: {self.code}: {prefix + ': ' if prefix else ''}{self.message}"
