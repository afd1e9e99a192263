"""Diagnostic factories for the reader's envelope checks.

Every envelope diagnostic names one level (file, interchange, group, set) and
the acknowledgment code that level reports it with; these helpers keep that
pairing in one place so each check is one line at its call site.
"""

from __future__ import annotations

from gateway.domain.diagnostics import AckCodes, Diagnostic, Level, Location, Severity

BAD_VALUE_CHARS = 35  # a bad value is quoted up to this many characters


def diag(
    code: str,
    message: str,
    severity: Severity,
    level: Level,
    ack: AckCodes,
    location: Location,
    value: str | None = None,
) -> Diagnostic:
    return Diagnostic(
        code=code,
        message=message,
        severity=severity,
        level=level,
        location=location,
        ack=ack,
        bad_value=value if value is None else value[:BAD_VALUE_CHARS],
    )


def file_fatal(code: str, message: str, offset: int, value: str | None = None) -> Diagnostic:
    """Input that is not an interchange at all (TA1 024)."""
    location = Location(byte_offset=offset)
    return diag(code, message, Severity.FATAL, Level.FILE, AckCodes(interchange="024"), location, value)


def interchange_issue(
    code: str, message: str, severity: Severity, ta1: str, location: Location, value: str | None = None
) -> Diagnostic:
    return diag(code, message, severity, Level.INTERCHANGE, AckCodes(interchange=ta1), location, value)


def group_issue(
    code: str,
    message: str,
    ak9: str,
    location: Location,
    value: str | None = None,
    *,
    severity: Severity = Severity.FATAL,
) -> Diagnostic:
    """A group-level finding; ``ak9`` is the AK905 code ("" for none)."""
    ack = AckCodes(group=ak9) if ak9 else AckCodes()
    return diag(code, message, severity, Level.GROUP, ack, location, value)


def set_fatal(code: str, message: str, ak5: str, location: Location, value: str | None = None) -> Diagnostic:
    return diag(code, message, Severity.FATAL, Level.SET, AckCodes(set=ak5), location, value)
