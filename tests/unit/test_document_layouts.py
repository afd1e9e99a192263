"""Format detection by content, partner layouts in profiles, e-mail senders to partners."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.domain.partners import PartnerProfile
from gateway.services.ingest_documents import partner_for_email
from mappings.loader import load_partner_file
from mappings.schema import ConfigProblems
from parsers.detect import detect_format

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"%PDF-1.7\n", "pdf"),
        (b"\xef\xbb\xbfPO,Item,Qty\r\n1,A,2\r\n", "csv"),
        (b"Item;Qty;Price\n1;2;3,50\n", "csv"),
        (b"Item\tQty\nA\t2\n", "csv"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE cXML SYSTEM "x.dtd">\n<cXML payloadID="1">', "cxml"),
        (b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2">', "ubl"),
        (b'<ubl:Order xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Order-2">', "ubl"),
        (b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">', "xml"),
        (b"<!-- a comment --><cXML>", "cxml"),
        (b"ISA*00*          *00*", "x12"),
        (b"UNB+UNOA:2+", "edifact"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None),
        (b"just one line of prose without any delimiter", None),
    ],
)
def test_format_is_told_by_content(head: bytes, fmt: str | None) -> None:
    assert detect_format(head) == fmt


def test_an_xlsx_is_told_from_another_zip() -> None:
    assert detect_format((FIXTURES / "xlsx" / "two-pos.xlsx").read_bytes()[:4096]) == "xlsx"
    assert detect_format(b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml") is None


PROFILE = """
id: NORDWERK
name: Nordwerk GmbH
identities:
  email_senders: [einkauf@nordwerk.example, "@nordwerk-group.example"]
policy:
  auto_confirm_documents: true
layouts:
  pdf_templates:
    - name: nordwerk
      fields:
        po_number: {label: Bestellnummer}
        ship_to: {label: Lieferanschrift, direction: below}
        total: {region: [360, 300, 560, 340], page: 1, pattern: '([0-9.,]+)'}
      columns: {Art.-Nr.: item, Menge: quantity, E-Preis: unit_price}
      date_format: "%d.%m.%Y"
      decimal: comma
  column_map:
    columns: {Bestell-Nr: po_number, Art: item, Menge: quantity}
    delimiter: "|"
"""


def test_a_profile_carries_its_layouts_and_policy(tmp_path: Path) -> None:
    path = tmp_path / "nordwerk.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    profile = load_partner_file(path)
    assert profile.policy.auto_confirm_documents is True
    (template,) = profile.layouts.pdf_templates
    assert template.fields["ship_to"].direction == "below"
    assert template.fields["total"].region == (360, 300, 560, 340)
    assert template.columns["Menge"] == "quantity" and template.decimal == "comma"
    assert profile.layouts.column_map is not None and profile.layouts.column_map.delimiter == "|"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("Menge: quantity", "Menge: amount_due"),
        ("po_number: {label: Bestellnummer}", "po_number: {label: Bestellnummer, region: [1, 2, 3, 4]}"),
        ("po_number: {label: Bestellnummer}", "order_ref: {label: Bestellnummer}"),
        ("pattern: '([0-9.,]+)'", "pattern: '([0-9'"),
        ("Menge: quantity, E-Preis", "Menge: item, E-Preis"),
    ],
)
def test_layout_mistakes_name_the_file_and_field(tmp_path: Path, change: str, message: str) -> None:
    path = tmp_path / "nordwerk.yaml"
    text = PROFILE.replace(change, message)
    assert text != PROFILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigProblems) as caught:
        load_partner_file(path)
    assert all(p.startswith(str(path)) or "nordwerk.yaml" in p for p in caught.value.problems)
    assert any("layouts." in p for p in caught.value.problems), caught.value.problems


def test_email_senders_find_their_partner() -> None:
    a = PartnerProfile("A", "A", email_senders=["buyer@a.example"])
    b = PartnerProfile("B", "B", email_senders=["@b.example", "orders@a.example"])
    assert partner_for_email([a, b], "Buyer@A.example") is a
    assert partner_for_email([a, b], "Jo Smith <jo@b.example>") is b
    assert partner_for_email([a, b], "orders@a.example") is b
    assert partner_for_email([a, b], "someone@c.example") is None
