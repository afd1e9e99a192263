"""Partner profiles, the catalog as data, and the embedded sample set."""

from __future__ import annotations

import copy
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.domain.crossref import ItemResolver
from gateway.domain.model import PoLine, ProductId, PurchaseOrder, PurchaseOrderChange
from gateway.domain.partners import PriceAction, ShortStockAction
from gateway.domain.rules import confirm_order
from gateway.errors import ConfigurationError
from gateway.services.parse_documents import parse_file
from mappings.catalog import Catalog, catalog_problems, load_catalog
from mappings.loader import find_by_x12, load_partner_file, load_partners, read_partner_file
from mappings.schema import ConfigProblems

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "gateway" / "samples"
PARTNERS = SAMPLES / "partners"
CATALOG = SAMPLES / "catalog"
X12 = SAMPLES / "x12"

MINIMAL = """\
id: TESTCO
name: Test Co
identities:
  x12: {isa_qualifier: ZZ, isa_id: TESTCO, gs_id: TESTCO, version: "004010"}
"""


@pytest.fixture(autouse=True)
def _cwd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # messages name files relative to the working directory
    monkeypatch.chdir(tmp_path)


def problems_of(exc: pytest.ExceptionInfo[ConfigurationError]) -> list[str]:
    assert isinstance(exc.value, ConfigProblems)
    return exc.value.problems


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- the sample set ---------------------------------------------------------------


@pytest.fixture(scope="module")
def partners() -> dict:
    return load_partners(PARTNERS)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


def test_sample_partners_load_with_their_policies(partners: dict) -> None:
    assert set(partners) == {"ACMEHARDWARE", "BRIGHTSUPPLY", "CORNERSTORE", "DELTAMRO"}
    acme, bright = partners["ACMEHARDWARE"], partners["BRIGHTSUPPLY"]
    corner, delta = partners["CORNERSTORE"], partners["DELTAMRO"]

    assert acme.x12 is not None and acme.x12.version == "004010"
    assert acme.policy.short_stock is ShortStockAction.BACKORDER
    assert not acme.policy.multi_warehouse
    assert acme.policy.price_tolerance.percent == Decimal(2)
    assert acme.policy.price_tolerance.action is PriceAction.ACCEPT_OUR_PRICE
    assert acme.policy.id_preference[0] == "BP"
    assert any(x.buyer_part == "778812" and x.sku == "HX-1420" for x in acme.cross_references)
    gloves = next(x for x in acme.cross_references if x.sku == "WB-3300")
    assert gloves.unit == "CA" and gloves.factor_from_pack
    assert acme.source_file is not None and acme.source_file.endswith("acme.yaml")

    assert bright.x12 is not None and bright.x12.version == "005010"
    assert (bright.x12.element_separator, bright.x12.segment_terminator) == ("^", "'")
    assert bright.policy.short_stock is ShortStockAction.CANCEL
    assert bright.policy.multi_warehouse
    assert bright.policy.price_tolerance.absolute == Decimal("0.05")
    assert bright.policy.price_tolerance.action is PriceAction.REVIEW
    assert bright.policy.id_preference[0] == "UP"
    assert bright.documents.ta1 == "always"

    assert corner.x12 is not None and (corner.x12.isa_qualifier, corner.x12.isa_id) == ("01", "084412339")
    assert not corner.policy.partial_shipment
    assert not corner.test_mode
    assert corner.documents.po_ack_detail == "exceptions_only"
    assert corner.policy.unknown_item == "reject_line"
    assert corner.outbox == "van/cornerstore/out"

    assert delta.test_mode
    assert delta.x12 is not None and delta.x12.version == "005010"
    assert delta.policy.short_stock is ShortStockAction.REVIEW


def test_channels_are_kept_with_secrets_by_reference() -> None:
    loaded = read_partner_file(PARTNERS / "acme.yaml")
    sftp = loaded.document.channels.sftp
    assert sftp is not None and sftp.password == "env:ACME_SFTP_PASSWORD"
    assert loaded.document.channels.deliver_via == "sftp"


def test_find_by_x12(partners: dict) -> None:
    assert find_by_x12(partners, "ZZ", "ACMEHARDWARE   ").id == "ACMEHARDWARE"  # type: ignore[union-attr]
    assert find_by_x12(partners, "01", "084412339").id == "CORNERSTORE"  # type: ignore[union-attr]
    assert find_by_x12(partners, "ZZ", "084412339") is None
    assert find_by_x12(partners, "ZZ", "NOBODY") is None


def test_sample_catalog_loads(catalog: Catalog, partners: dict) -> None:
    assert len(catalog.items) >= 50
    assert {w.code for w in catalog.warehouses} == {"COL", "RNO", "ATL"}
    assert {w.state for w in catalog.warehouses} == {"OH", "NV", "GA"}
    assert catalog.items["WB-3300"].pack_size == Decimal(6)
    assert catalog.items["HX-1420"].price_for("ACMEHARDWARE") == Decimal("8.75")
    assert catalog.items["HX-1420"].price_for("BRIGHTSUPPLY") == Decimal("9.40")
    assert not catalog.items["PL-0450"].active
    assert catalog_problems(catalog, partners) == []


def _upc_a_valid(code: str) -> bool:
    digits = [int(c) for c in code]
    odd = sum(digits[0:11:2])
    even = sum(digits[1:11:2])
    return (10 - (odd * 3 + even) % 10) % 10 == digits[11]


def test_sample_catalog_upcs_have_valid_check_digits(catalog: Catalog) -> None:
    upcs = [item.upc for item in catalog.items.values() if item.upc]
    assert len(upcs) == len(catalog.items)
    for upc in upcs:
        assert len(upc) == 12 and upc.isdigit(), upc
        assert _upc_a_valid(upc), upc
    assert len(set(upcs)) == len(upcs)


# --- the sample documents ------------------------------------------------------------


def _documents() -> list[tuple[str, PurchaseOrder | PurchaseOrderChange]]:
    out: list[tuple[str, PurchaseOrder | PurchaseOrderChange]] = []
    for path in sorted(X12.glob("*.x12")):
        with path.open("rb") as fh:
            results = parse_file(fh)
        for r in results:
            assert r.status == "accepted", (path.name, [d.describe() for d in r.diagnostics])
            if r.document is not None:
                out.append((path.name, r.document))
    return out


def _deliberately_unknown() -> set[tuple[str, str]]:
    """(file, line number) pairs the samples README lists under "Deliberately unknown items"."""
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    section = text.split("## Deliberately unknown items", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `([^`]+\.x12)` line (\S+):", section, flags=re.MULTILINE))


def test_every_sample_document_parses_and_there_are_enough() -> None:
    docs = _documents()
    orders = [(name, d) for name, d in docs if isinstance(d, PurchaseOrder)]
    assert len(orders) >= 12
    by_partner: dict[str, int] = {}
    for _, po in orders:
        by_partner[po.source.sender_id or ""] = by_partner.get(po.source.sender_id or "", 0) + 1
    assert len(by_partner) >= 4 and min(by_partner.values()) >= 2


def test_every_sample_sender_and_product_id_resolves(partners: dict, catalog: Catalog) -> None:
    unknown = _deliberately_unknown()
    assert unknown, "the samples README lists no deliberately unknown items"
    seen_unknown: set[tuple[str, str]] = set()
    for name, doc in _documents():
        src = doc.source
        partner = find_by_x12(partners, src.sender_qualifier or "", src.sender_id or "")
        assert partner is not None, f"{name}: sender {src.sender_qualifier}:{src.sender_id} has no profile"
        resolver = ItemResolver(partner, catalog.items)
        for line in doc.lines:
            key = (name, line.line_number or "")
            skus = set()
            for pid in line.product_ids:
                alone = PoLine(
                    line.line_number, Decimal(1), line.unit, product_ids=[ProductId(pid.qualifier, pid.value)]
                )
                match = resolver.resolve(alone)
                skus.add(match.sku if match else None)
            if key in unknown:
                assert skus == {None}, f"{name} line {key[1]} is listed as unknown but resolves to {skus}"
                seen_unknown.add(key)
            else:
                assert None not in skus and len(skus) == 1, f"{name} line {key[1]}: ids resolve to {skus}"
    assert seen_unknown == unknown


# What the README says the rules do with each order, processed against the
# starting stock on 2026-11-27: (status, BAK02, {line: ACK01}).
EXPECTED = {
    "850-4010-acme.x12": ("confirmed", "AD", {"1": "IA", "2": "IA", "3": "IA"}),
    "850-4010-acme-short.x12": ("confirmed", "AC", {"1": "IB", "2": "IA", "3": "IA"}),
    "850-4010-acme-price.x12": ("confirmed", "AC", {"1": "IP", "2": "IA", "3": "IA"}),
    "850-4010-acme-unknown-item.x12": ("needs_review", None, {}),
    "850-5010-bright.x12": ("confirmed", "AD", {"10": "IA", "20": "IA"}),
    "850-5010-bright-split.x12": ("confirmed", "AC", {"10": "IQ", "20": "IA"}),
    "850-5010-bright-price-review.x12": ("needs_review", None, {}),
    "850-5010-bright-upc-only.x12": ("confirmed", "AD", {"1": "IA", "2": "IA", "3": "IA", "4": "IA"}),
    "850-4010-cornerstore.x12": ("confirmed", "AD", {"1": "IA", "2": "IA", "3": "IA"}),
    "850-4010-cornerstore-short.x12": ("confirmed", "AC", {"1": "IB", "2": "IA"}),
    "850-4010-cornerstore-rejects.x12": ("confirmed", "AC", {"1": "IR", "2": "IR", "3": "IA"}),
    "850-4010-cornerstore-test.x12": ("test", None, {}),
    "850-5010-delta-test-mode.x12": ("confirmed", "AD", {"1": "IA", "2": "IA"}),
    "850-5010-delta-short-review.x12": ("needs_review", None, {}),
}


def test_sample_orders_come_out_as_the_readme_says(partners: dict, catalog: Catalog) -> None:
    orders = [(n, d) for n, d in _documents() if isinstance(d, PurchaseOrder)]
    assert {n for n, _ in orders} == set(EXPECTED)
    for sequential in (False, True):
        stock = copy.deepcopy(catalog.stock)
        for name, po in orders:
            partner = find_by_x12(partners, po.source.sender_qualifier or "", po.source.sender_id or "")
            rows = stock if sequential else copy.deepcopy(catalog.stock)
            order = confirm_order(
                po,
                partner,
                catalog.items,
                rows,
                catalog.warehouses,
                already_ordered=False,
                today=date(2026, 11, 27),
            )
            status, bak02, lines = EXPECTED[name]
            assert order.status.value == status, name
            if bak02 is not None:
                assert order.ack_type.value == bak02, name
                assert {ln.line_number: ln.status.value for ln in order.lines} == lines, name


# --- profile errors --------------------------------------------------------------------


def test_missing_id_names_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path / "partners" / "acme.yaml", MINIMAL.replace("id: TESTCO\n", ""))
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(path)
    assert problems_of(exc) == ["partners/acme.yaml: id: is required"]


def test_wrong_type_names_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL + "active: maybe\npolicy:\n  ship_lead_days: two\n")
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(path)
    assert problems_of(exc) == [
        "p.yaml: active: must be true or false, not 'maybe'",
        "p.yaml: policy.ship_lead_days: must be a whole number, not 'two'",
    ]


def test_negative_tolerance(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mappings" / "partners" / "acme.yaml",
        MINIMAL + "policy:\n  price_tolerance:\n    percent: -2\n",
    )
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(path)
    assert (
        str(exc.value) == "mappings/partners/acme.yaml: policy.price_tolerance.percent: must be ≥ 0, not -2"
    )


def test_every_problem_of_a_file_is_listed_in_one_error(tmp_path: Path) -> None:
    text = MINIMAL.replace('version: "004010"', 'version: "003040"') + (
        "documents:\n  ta1: sometimes\npolicy:\n  partial_shipments: false\n  short_stock: wait\n"
    )
    path = write(tmp_path / "p.yaml", text)
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(path)
    problems = problems_of(exc)
    assert len(problems) == 4
    assert str(exc.value).startswith("4 problems in the partner profile:")
    assert "p.yaml: identities.x12.version: must be 004010 or 005010" in problems[0]
    assert any(
        p.startswith("p.yaml: documents.ta1: must be one of 'always', 'when_requested'") for p in problems
    )
    assert (
        "p.yaml: policy.partial_shipments: is not a field this file may have"
        " (did you mean 'partial_shipment'?)" in problems
    )
    assert any(p.startswith("p.yaml: policy.short_stock: must be one of") for p in problems)


@pytest.mark.parametrize("key", ["password", "sftp_password", "token", "private_key", "secret"])
def test_inline_secret_is_refused_without_echoing_it(tmp_path: Path, key: str) -> None:
    text = (
        MINIMAL
        + "channels:\n  sftp:\n    host: h.example\n    user: u\n"
        + f"    private_key: env:K\n    {key}: hunter2\n"
    )
    if key == "private_key":
        text = MINIMAL + "channels:\n  sftp:\n    host: h.example\n    user: u\n    private_key: hunter2\n"
    path = write(tmp_path / "acme.yaml", text)
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(path)
    problems = problems_of(exc)
    assert problems == [
        f"acme.yaml: channels.sftp.{key}: secrets are never written in a profile: give a reference such as "
        "env:ACME_SFTP_PASSWORD or file:/run/secrets/acme_sftp (the value given is not shown)"
    ]
    assert "hunter2" not in str(exc.value)


def test_secret_references_are_accepted(tmp_path: Path) -> None:
    text = MINIMAL + (
        "channels:\n  sftp: {host: h.example, user: u, password: 'file:/run/secrets/acme'}\n"
        "  http: {url: 'https://x.example/in', token: 'env:X_TOKEN'}\n"
    )
    loaded = read_partner_file(write(tmp_path / "ok.yaml", text))
    assert loaded.document.channels.configured() == ["sftp", "http"]


def test_bad_cross_reference_csv_rows_are_reported_with_row_numbers(tmp_path: Path) -> None:
    write(
        tmp_path / "acme-xref.csv",
        "sku,buyer_part,upc,vendor_part,unit,factor\n"
        "HX-1420,778812,,,,\n"
        ",778813,,,,\n"
        "WB-3300,778830,012345678913,,CA,pack\n"
        "SC-0812,778990,,,EA,-3\n"
        "TB-0090,778812,,,,\n",
    )
    path = write(tmp_path / "acme.yaml", MINIMAL + "cross_reference_file: acme-xref.csv\n")
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(path)
    assert problems_of(exc) == [
        "acme-xref.csv: row 3: sku: is required",
        "acme-xref.csv: row 4: upc: check digit is wrong: 012345678912 would be valid",
        "acme-xref.csv: row 5: factor: must be a number above 0 or the word 'pack'",
        "acme-xref.csv: row 6: buyer_part: 778812 already means SKU HX-1420 (acme-xref.csv: row 2),"
        " not TB-0090",
    ]


def test_cross_reference_csv_header_and_missing_file(tmp_path: Path) -> None:
    write(tmp_path / "x.csv", "sku,their_part\nHX-1420,1\n")
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(write(tmp_path / "a.yaml", MINIMAL + "cross_reference_file: x.csv\n"))
    assert problems_of(exc) == [
        "x.csv: row 1: column 'their_part' is not one of sku, buyer_part, upc, vendor_part, unit, factor"
    ]
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(write(tmp_path / "b.yaml", MINIMAL + "cross_reference_file: nope.csv\n"))
    assert problems_of(exc) == ["b.yaml: cross_reference_file: 'nope.csv' does not exist"]


def test_inline_cross_reference_errors_name_the_entry(tmp_path: Path) -> None:
    text = MINIMAL + "cross_references:\n  - {sku: A-1, buyer_part: X1}\n  - {sku: A-2, factor: 6}\n"
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(write(tmp_path / "p.yaml", text))
    assert problems_of(exc) == [
        "p.yaml: cross_references[1]: give at least one of buyer_part, upc, vendor_part"
        " (or a unit conversion)"
    ]


def test_duplicate_isa_id_names_both_files(tmp_path: Path) -> None:
    write(tmp_path / "partners" / "a.yaml", MINIMAL)
    write(tmp_path / "partners" / "b.yaml", MINIMAL.replace("id: TESTCO\n", "id: OTHER\n", 1))
    with pytest.raises(ConfigurationError) as exc:
        load_partners(tmp_path / "partners")
    assert problems_of(exc) == [
        "partners/b.yaml: the ISA qualifier + id ZZ:TESTCO is already used by partners/a.yaml"
        " (partner TESTCO)"
    ]


def test_duplicate_partner_id_names_both_files(tmp_path: Path) -> None:
    write(tmp_path / "partners" / "a.yaml", MINIMAL)
    write(tmp_path / "partners" / "b.yml", MINIMAL.replace("isa_id: TESTCO", "isa_id: TESTCO2"))
    with pytest.raises(ConfigurationError) as exc:
        load_partners(tmp_path / "partners")
    assert problems_of(exc) == [
        "partners/b.yml: the id TESTCO is already used by partners/a.yaml (partner TESTCO)"
    ]


def test_problems_from_several_files_come_together(tmp_path: Path) -> None:
    write(tmp_path / "partners" / "a.yaml", MINIMAL.replace("name: Test Co\n", ""))
    write(tmp_path / "partners" / "b.yaml", "id: [1\n")
    write(tmp_path / "partners" / "notes.txt", "not a profile")
    with pytest.raises(ConfigurationError) as exc:
        load_partners(tmp_path / "partners")
    problems = problems_of(exc)
    assert problems[0] == "partners/a.yaml: name: is required"
    assert problems[1].startswith("partners/b.yaml: line 2, column 1: not valid YAML")


def test_yaml_details(tmp_path: Path) -> None:
    # an unquoted 005010 stays text (YAML would read it as an octal number)
    profile = load_partner_file(write(tmp_path / "a.yaml", MINIMAL.replace('"004010"', "005010X")))
    assert profile.x12 is not None and profile.x12.version == "005010X"
    profile = load_partner_file(write(tmp_path / "b.yaml", MINIMAL.replace('"004010"', "005010")))
    assert profile.x12 is not None and profile.x12.version == "005010"
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(write(tmp_path / "c.yaml", MINIMAL + "name: Again\n"))
    assert "c.yaml: line 5, column 1: not valid YAML: the key 'name' appears twice" in str(exc.value)
    with pytest.raises(ConfigurationError) as exc:
        load_partner_file(write(tmp_path / "d.yaml", "- just\n- a list\n"))
    assert "d.yaml: (top level): must be a mapping" in str(exc.value)


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is not a directory"):
        load_partners(tmp_path / "missing")


# --- catalog errors ---------------------------------------------------------------------

WAREHOUSES = """\
warehouses:
  - {code: COL, name: Columbus, city: Groveport, state: OH, postal_code: "43125"}
"""


def _catalog_dir(
    tmp_path: Path, catalog: str, stock: str = "", prices: str = "", warehouses: str = WAREHOUSES
) -> Path:
    d = tmp_path / "cat"
    write(d / "catalog.csv", catalog)
    write(d / "warehouses.yaml", warehouses)
    if stock:
        write(d / "stock.csv", stock)
    if prices:
        write(d / "contract_prices.csv", prices)
    return d


HEADER = "sku,description,base_unit,pack_size,list_price,upc,reorder_point\n"


def test_catalog_errors_name_file_row_and_column(tmp_path: Path) -> None:
    d = _catalog_dir(
        tmp_path,
        HEADER
        + "HX-1420,HEX KEY SET,EA,1,9.40,012345678905,24\n"
        + "HX-1421,HEX KEY SET SAE,EA,0,abc,012345678906,24\n"
        + "HX-1420,AGAIN,EA,1,1,,\n",
        stock="sku,warehouse,on_hand\nHX-1420,COL,-1\nHX-1420,RNO,5\nNOPE,COL,1\n",
        prices="partner,sku,price\nACME,HX-1420,8.75\nACME,HX-1420,8.70\n",
        warehouses=WAREHOUSES + '  - {code: COL, name: Again, city: Reno, state: NV, postal_code: "89502"}\n',
    )
    with pytest.raises(ConfigurationError) as exc:
        load_catalog(d)
    assert problems_of(exc) == [
        "cat/catalog.csv: row 3: pack_size: must be > 0, not '0'",
        "cat/catalog.csv: row 3: list_price: must be a number, not 'abc'",
        "cat/catalog.csv: row 3: upc: check digit is wrong: 012345678905 would be valid",
        "cat/catalog.csv: row 4: sku: HX-1420 is already on row 2",
        "cat/contract_prices.csv: row 3: price: ACME already has a price for HX-1420 (row 2)",
        "cat/warehouses.yaml: warehouses[1].code: COL is listed twice",
        "cat/stock.csv: row 2: on_hand: must be ≥ 0, not '-1'",
        "cat/stock.csv: row 3: warehouse: RNO is not in warehouses.yaml (COL)",
        "cat/stock.csv: row 4: sku: NOPE is not in catalog.csv",
    ]


def test_bad_warehouse_field(tmp_path: Path) -> None:
    bad = WAREHOUSES + '  - {code: RNO, name: Reno, city: Reno, state: Nevada, postal_code: "89502"}\n'
    with pytest.raises(ConfigurationError) as exc:
        load_catalog(_catalog_dir(tmp_path, HEADER, warehouses=bad))
    assert problems_of(exc) == ["cat/warehouses.yaml: warehouses[1].state: must be a two-letter code"]


def test_catalog_missing_files_and_columns(tmp_path: Path) -> None:
    d = tmp_path / "empty"
    d.mkdir()
    with pytest.raises(ConfigurationError) as exc:
        load_catalog(d)
    assert problems_of(exc) == ["empty/catalog.csv: is missing", "empty/warehouses.yaml: is missing"]
    d = _catalog_dir(tmp_path, "sku,description\nA,B\n")
    with pytest.raises(ConfigurationError) as exc:
        load_catalog(d)
    assert problems_of(exc)[0].startswith("cat/catalog.csv: row 1: column 'base_unit' is missing")


def test_catalog_problems_join_profiles_and_catalog(tmp_path: Path, catalog: Catalog) -> None:
    text = (
        MINIMAL
        + "policy: {preferred_warehouses: [XYZ]}\ncross_references:\n  - {sku: NOPE-1, buyer_part: B}\n"
    )
    profile = load_partner_file(write(tmp_path / "p.yaml", text))
    problems = catalog_problems(catalog, {"TESTCO": profile})
    assert "p.yaml: cross reference 1: sku: NOPE-1 is not in the catalog" in problems
    assert "p.yaml: policy.preferred_warehouses: XYZ is not a warehouse" in problems
    assert any("ACMEHARDWARE" in p and "has no profile" in p for p in problems)


def test_the_commented_example_in_the_format_readme_loads(tmp_path: Path) -> None:
    text = (ROOT / "mappings" / "partners" / "README.md").read_text(encoding="utf-8")
    write(tmp_path / "acme.yaml", re.findall(r"```yaml\n(.*?)```", text, re.S)[0])
    write(tmp_path / "acme-xref.csv", re.findall(r"```csv\n(.*?)```", text, re.S)[0])
    loaded = read_partner_file(tmp_path / "acme.yaml")
    assert loaded.profile.policy.preferred_warehouses == ["COL"]
    assert len(loaded.profile.cross_references) == 5
    assert loaded.document.channels.configured() == ["folder", "sftp", "as2", "email", "http", "sftp_push"]
