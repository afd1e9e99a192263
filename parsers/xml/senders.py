"""Who sent an XML order, read from the document itself (no I/O).

cXML: each ``Header/From/Credential`` as (``domain``, ``Identity``): the buyer
organisation (``Sender`` is often a network in between, and carries the
SharedSecret, which is never read here).  UBL: the buyer party's
``EndpointID`` and every ``PartyIdentification/ID``, each with its
``schemeID``.  A document that cannot be read names nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from gateway.errors import InputError
from parsers.xml.common import text
from parsers.xml.safe import local, parse_xml
from parsers.xml.ubl import NS


@dataclass(frozen=True, slots=True)
class SenderId:
    scheme: str | None  # cXML credential domain, or the UBL schemeID
    value: str

    def describe(self) -> str:
        return f"{self.scheme}:{self.value}" if self.scheme else self.value


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c.tag) == name]


def cxml_senders(raw: bytes) -> list[SenderId]:
    try:
        root = parse_xml(raw)
    except InputError:
        return []
    found: list[SenderId] = []
    for header in _children(root, "Header"):
        for frm in _children(header, "From"):
            for cred in _children(frm, "Credential"):
                identity = next((text(i) for i in _children(cred, "Identity")), None)
                if identity:
                    found.append(SenderId((cred.get("domain") or "").strip() or None, identity))
    return found


def ubl_buyer_ids(raw: bytes) -> list[SenderId]:
    try:
        root = parse_xml(raw)
    except InputError:
        return []
    party = root.find("cac:BuyerCustomerParty/cac:Party", NS)
    if party is None:
        return []
    found: list[SenderId] = []
    for el in [*party.findall("cbc:EndpointID", NS), *party.findall("cac:PartyIdentification/cbc:ID", NS)]:
        value = text(el)
        if value:
            found.append(SenderId((el.get("schemeID") or "").strip() or None, value))
    return found


def xml_senders(raw: bytes, fmt: str) -> list[SenderId]:
    """The ids the document names its sender by (``fmt`` is ``cxml`` or ``ubl``; others name none)."""
    if fmt == "cxml":
        return cxml_senders(raw)
    if fmt == "ubl":
        return ubl_buyer_ids(raw)
    return []
