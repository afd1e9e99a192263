"""Errors of the X12 writer.

GatewayError
└── WriterError      a value or setting that cannot be written as X12
"""

from __future__ import annotations

from gateway.errors import GatewayError


class WriterError(GatewayError):
    """An interchange we were asked to write cannot be written.

    Raised, never worked around: an element value holding a separator, an id
    too wide for its ISA field, a separator that is a letter.  It is our bug
    (or a profile's), not the partner's, so it is never escaped silently.
    """

    code = "x12.writer"
    http_status = 500
