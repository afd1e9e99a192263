"""The cXML answer to an OrderRequest: a ``Response`` with its ``Status`` (cXML 1.2 User's Guide, ch. 2).

A buyer's procurement system posts the OrderRequest and reads the Status in
the HTTP response: ``200 OK`` when the order was read and taken in (confirmed
or waiting for a person: the supplier confirms later with a
ConfirmationRequest), ``400 Bad Request`` when it could not be read, ``406 Not
Acceptable`` when it was read but refused (an inactive partner, a duplicate).
The ``payloadID`` is new per answer; ``inReplyTo`` is not part of a Response.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

DTD = "http://xml.cxml.org/schemas/cXML/1.2.056/cXML.dtd"
TEXTS = {200: "OK", 201: "Accepted", 400: "Bad Request", 406: "Not Acceptable", 500: "Internal Server Error"}


def status_response(code: int, *, payload_id: str, timestamp: datetime, message: str | None = None) -> bytes:
    """A cXML Response carrying one Status (``message`` as the Status content, for a person)."""
    text = TEXTS.get(code, "OK" if code < 300 else "Error")
    body = escape(message) if message else ""
    status = f"<Status code={quoteattr(str(code))} text={quoteattr(text)}>{body}</Status>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE cXML SYSTEM "{DTD}">\n'
        f"<cXML payloadID={quoteattr(payload_id)} timestamp={quoteattr(timestamp.isoformat())}"
        f' xml:lang="en-US"><Response>{status}</Response></cXML>\n'
    ).encode()


def status_for(document_status: str) -> int:
    """The Status code for what became of the document (``inbound_documents.status``)."""
    if document_status in ("parsed", "acknowledged", "confirmed", "needs_review"):
        return 200
    if document_status in ("duplicate",):
        return 406
    if document_status in ("rejected",):
        return 400
    return 500
