"""lxml configured for documents from outside: no network, no DTD loading, no entity expansion, size limits.

``parse_xml`` refuses (``InputError``): more than ``MAX_BYTES``
(``document.too_large``), any ``<!ENTITY`` declaration (``xml.unsafe``: the
billion-laughs and external-entity attacks both need one), and text that is
not well-formed XML (``xml.malformed``, with line and column).  A DOCTYPE that
only names a DTD (cXML's) is allowed; the DTD is never fetched.
"""

from __future__ import annotations

import re

from lxml import etree

from gateway.errors import InputError

MAX_BYTES = 20 * 1024 * 1024
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_xml(raw: bytes, *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """The root element of a safe parse of ``raw``."""
    if len(raw) > max_bytes:
        raise InputError(
            f"{len(raw)} bytes: more than the {max_bytes} an XML order may have", code="document.too_large"
        )
    doctype = _DOCTYPE.search(raw[:65536])
    if doctype is None and _ENTITY.search(raw[:65536]):
        raise InputError("the document declares entities (<!ENTITY>): refused", code="xml.unsafe")
    if doctype is not None and _ENTITY.search(raw):
        raise InputError("the document declares entities (<!ENTITY>): refused", code="xml.unsafe")
    if doctype is not None:
        # a DOCTYPE naming an external DTD only: cut it out, so nothing ever tries to fetch it
        end = raw.find(b">", doctype.start())
        if end < 0 or b"[" in raw[doctype.start() : end]:
            raise InputError("a DOCTYPE with an internal subset: refused", code="xml.unsafe")
        raw = raw[: doctype.start()] + b" " * (end + 1 - doctype.start()) + raw[end + 1 :]
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise InputError(
            f"not well-formed XML at line {line}, column {column}: {exc.msg}", code="xml.malformed"
        ) from None
    except ValueError as exc:  # e.g. a unicode string with an encoding declaration
        raise InputError(f"not readable XML: {exc}", code="xml.malformed") from None
    if root is None:
        raise InputError("no XML element in the document", code="xml.malformed")
    return root


def doctype_system_url(raw: bytes) -> str | None:
    """The system identifier of the DOCTYPE (cXML's DTD names its version), read without parsing it."""
    m = re.search(rb"<!DOCTYPE\s+\w+\s+SYSTEM\s+[\"']([^\"']+)[\"']", raw[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def xml_kind(root: etree._Element) -> str | None:
    """``cxml`` for a cXML OrderRequest, ``ubl`` for a UBL Order, else ``None``."""
    name = local(root.tag)
    if name == "cXML":
        return "cxml"
    if name == "Order" and (etree.QName(root.tag).namespace or "").startswith(
        "urn:oasis:names:specification:ubl"
    ):
        return "ubl"
    return None
