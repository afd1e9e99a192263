"""Reading partner profiles: one YAML file per trading partner, validated into ``PartnerProfile``.

    load_partners(directory)        every ``*.yaml`` / ``*.yml`` directly in ``directory``, by id
    load_partner_file(path)         one profile
    read_partner_file(path)         one profile with its validated file form (channels included)
    find_by_x12(partners, q, id)    the profile an interchange sender belongs to

Problems never stop at the first: every problem of every file is collected and
raised together as one ``ConfigProblems`` (a ``ConfigurationError``), each line
``<file>: <field path>: <what is wrong>``; CSV problems name the row (the line
of the file, the header being row 1) and the column.  Two profiles sharing an
id, an ISA qualifier + id or an AS2 id are an error naming both files.

The YAML reader keeps numbers written with a leading zero as text (``004010``
stays "004010", not the octal number 2056) and refuses duplicate keys.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from gateway.domain.as2 import As2Settings, MdnMode
from gateway.domain.channels import (
    Channels,
    EmailSettings,
    FolderSettings,
    HttpInSettings,
    HttpSettings,
    SftpPushSettings,
    SftpSettings,
)
from gateway.domain.layouts import ColumnMap, DocumentLayouts, FieldRule, PdfTemplate
from gateway.domain.partners import (
    CrossReference,
    CxmlCredential,
    DocumentOptions,
    OrderPolicy,
    PartnerProfile,
    PriceTolerance,
    UblPartyId,
    X12Identity,
)
from mappings.schema import (
    ChannelsSchema,
    ConfigProblems,
    CrossReferenceSchema,
    LayoutsSchema,
    PartnerFile,
    field_path,
    find_inline_secrets,
    validation_problems,
)

XREF_COLUMNS = ("sku", "buyer_part", "upc", "vendor_part", "unit", "factor")


# --- shared readers (the catalog loader uses them too) ------------------------


def display(path: Path) -> str:
    """``path`` as it should appear in a message: relative to the working directory when under it."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps leading-zero numbers as text and refuses duplicate keys."""


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> object:
    text = str(node.value)
    digits = text.lstrip("+-").replace("_", "")
    if len(digits) > 1 and digits.startswith("0") and digits.isdigit():
        return text
    return yaml.SafeLoader.construct_yaml_int(loader, node)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path, problems: list[str]) -> Any:
    """The parsed YAML of ``path``, or ``None`` with a problem recorded."""
    label = display(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        problems.append(f"{label}: cannot be read: {exc.strerror or exc}")
        return None
    except UnicodeDecodeError as exc:
        problems.append(f"{label}: is not UTF-8 text (byte {exc.start})")
        return None
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc)
        problems.append(f"{label}: {where}not valid YAML: {what}")
        return None


@dataclass(slots=True)
class CsvRow:
    number: int  # the line of the file the row starts on (the header is row 1)
    cells: dict[str, str]  # column → stripped value; empty cells left out


def read_csv(
    path: Path,
    problems: list[str],
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    label: str | None = None,
) -> list[CsvRow] | None:
    """The rows of a CSV with a header line; ``None`` when the file or its header is unusable."""
    label = label or display(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        problems.append(f"{label}: cannot be read: {exc.strerror or exc}")
        return None
    except UnicodeDecodeError as exc:
        problems.append(f"{label}: is not UTF-8 text (byte {exc.start})")
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        problems.append(f"{label}: is empty; the first line must name the columns {', '.join(required)}")
        return None
    columns = [c.strip().lower() for c in header]
    bad = False
    for name in required:
        if name not in columns:
            problems.append(
                f"{label}: row 1: column {name!r} is missing (the header is {', '.join(columns)})"
            )
            bad = True
    for name in columns:
        if name not in required and name not in optional:
            allowed = ", ".join((*required, *optional))
            problems.append(f"{label}: row 1: column {name!r} is not one of {allowed}")
            bad = True
        elif columns.count(name) > 1:
            problems.append(f"{label}: row 1: column {name!r} appears twice")
            bad = True
    if bad:
        return None
    rows: list[CsvRow] = []
    start = reader.line_num + 1
    for record in reader:
        number = start
        start = reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(columns):
            problems.append(
                f"{label}: row {number}: has {len(record)} cells but the header has {len(columns)}"
            )
            continue
        cells = {col: cell.strip() for col, cell in zip(columns, record, strict=False) if cell.strip()}
        rows.append(CsvRow(number, cells))
    return rows


def validate_row(model: type[BaseModel], row: CsvRow, label: str, problems: list[str]) -> BaseModel | None:
    """One CSV row through ``model``; problems as ``file: row N: column: what``."""
    try:
        return model.model_validate(row.cells)
    except ValidationError as exc:

        def path_of(loc: tuple[str | int, ...]) -> str:
            return f"row {row.number}: {field_path(loc)}" if loc else f"row {row.number}"

        problems.extend(validation_problems(label, exc, model=model, path_of=path_of))
        return None


# --- one profile ----------------------------------------------------------------


@dataclass(slots=True)
class LoadedPartner:
    """A profile and the validated file it came from (the channels live only there for now)."""

    profile: PartnerProfile
    document: PartnerFile
    path: Path


def _xref_rows(
    doc: PartnerFile, path: Path, label: str, problems: list[str]
) -> list[tuple[str, CrossReferenceSchema]]:
    """(where, entry) for the inline entries, then the CSV rows."""
    rows: list[tuple[str, CrossReferenceSchema]] = [
        (f"{label}: cross_references[{i}]", entry) for i, entry in enumerate(doc.cross_references)
    ]
    if doc.cross_reference_file is None:
        return rows
    csv_path = path.parent / doc.cross_reference_file
    csv_label = display(csv_path)
    if not csv_path.is_file():
        problems.append(f"{label}: cross_reference_file: {doc.cross_reference_file!r} does not exist")
        return rows
    records = read_csv(csv_path, problems, required=("sku",), optional=XREF_COLUMNS[1:], label=csv_label)
    for record in records or []:
        entry = validate_row(CrossReferenceSchema, record, csv_label, problems)
        if isinstance(entry, CrossReferenceSchema):
            rows.append((f"{csv_label}: row {record.number}", entry))
    return rows


def _check_xref_conflicts(rows: list[tuple[str, CrossReferenceSchema]], problems: list[str]) -> None:
    """The same identifier naming two SKUs, or one SKU + unit with two factors."""
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for where, entry in rows:
        keys = [
            ("buyer_part", (entry.buyer_part or "").strip().upper()),
            ("upc", (entry.upc or "").lstrip("0")),
            ("vendor_part", (entry.vendor_part or "").strip().upper()),
        ]
        for kind, key in keys:
            if not key:
                continue
            first = seen.setdefault((kind, key), (where, entry.sku))
            if first[1].upper() != entry.sku.upper():
                problems.append(
                    f"{where}: {kind}: {key} already means SKU {first[1]} ({first[0]}), not {entry.sku}"
                )
    factors: dict[tuple[str, str], tuple[str, object]] = {}
    for where, entry in rows:
        if entry.unit is None:
            continue
        factor = entry.factor if entry.factor is not None else Decimal(1)
        first_f = factors.setdefault((entry.sku.upper(), entry.unit), (where, factor))
        if first_f[1] != factor:
            problems.append(
                f"{where}: factor: {entry.sku} in {entry.unit} is {factor} here but {first_f[1]} "
                f"in {first_f[0]}"
            )


def _to_xref(entry: CrossReferenceSchema) -> CrossReference:
    from_pack = entry.factor == "pack"
    factor = entry.factor if isinstance(entry.factor, Decimal) else Decimal(1)
    return CrossReference(
        sku=entry.sku,
        buyer_part=entry.buyer_part,
        upc=entry.upc,
        vendor_part=entry.vendor_part,
        unit=entry.unit,
        factor=factor,
        factor_from_pack=from_pack,
    )


def _to_channels(c: ChannelsSchema) -> Channels:
    """The validated ``channels:`` section as the domain's settings (secrets still references)."""
    return Channels(
        deliver_via=c.deliver_via,
        folder=FolderSettings(**c.folder.model_dump()) if c.folder else None,
        sftp=SftpSettings(**c.sftp.model_dump()) if c.sftp else None,
        email=EmailSettings(**c.email.model_dump()) if c.email else None,
        http=HttpSettings(**c.http.model_dump()) if c.http else None,
        http_in=HttpInSettings(**c.http_in.model_dump()) if c.http_in else None,
        sftp_push=SftpPushSettings(**c.sftp_push.model_dump()) if c.sftp_push else None,
    )


def _to_profile(doc: PartnerFile, label: str, xrefs: list[CrossReference]) -> PartnerProfile:
    ident = doc.identities
    x12 = None
    if ident.x12 is not None:
        s = ident.x12.separators
        x12 = X12Identity(
            isa_qualifier=ident.x12.isa_qualifier,
            isa_id=ident.x12.isa_id,
            gs_id=ident.x12.gs_id,
            version=ident.x12.version,
            element_separator=s.element,
            component_separator=s.component,
            segment_terminator=s.segment,
            repetition_separator=s.repetition,
            ack_requested=ident.x12.ack_requested,
        )
    d = doc.documents
    documents = DocumentOptions(
        functional_ack=d.functional_ack,
        ta1=d.ta1,
        po_ack=d.po_ack,
        po_ack_detail=d.po_ack_detail,
        ship_notice=d.ship_notice,
        invoice=d.invoice,
        change_ack=d.change_ack,
        answer_unknown_sender=d.answer_unknown_sender,
        asn_hierarchy=d.asn_hierarchy,
        asn_hash_total=d.asn_hash_total,
        invoice_per=d.invoice_per,
        terms_net_days=d.terms_net_days,
        terms_discount_percent=d.terms_discount_percent,
        terms_discount_days=d.terms_discount_days,
        freight_charge=d.freight_charge,
        tax_percent=d.tax_percent,
        backorder_release=d.backorder_release,
        ack_window_hours=d.ack_window_hours,
        order_response=d.order_response,
    )
    p = doc.policy
    policy = OrderPolicy(
        short_stock=p.short_stock,
        partial_shipment=p.partial_shipment,
        multi_warehouse=p.multi_warehouse,
        price_tolerance=PriceTolerance(
            absolute=p.price_tolerance.absolute,
            percent=p.price_tolerance.percent,
            action=p.price_tolerance.action,
        ),
        substitutions=p.substitutions,
        pack_multiple_required=p.pack_multiple_required,
        unknown_item=p.unknown_item,
        preferred_warehouses=list(p.preferred_warehouses),
        ship_lead_days=p.ship_lead_days,
        priority=p.priority,
        auto_confirm_documents=p.auto_confirm_documents,
    )
    if p.id_preference is not None:
        policy.id_preference = list(p.id_preference)
    return PartnerProfile(
        id=doc.id,
        name=doc.name,
        x12=x12,
        active=doc.active,
        test_mode=doc.test_mode,
        as2_id=ident.as2_id,
        email_senders=list(ident.email_senders),
        cxml_credentials=[CxmlCredential(c.domain, c.identity) for c in ident.cxml],
        ubl_parties=[UblPartyId(u.scheme or None, u.id) for u in ident.ubl_party],
        documents=documents,
        policy=policy,
        cross_references=xrefs,
        duplicate_window_days=doc.duplicate_window_days,
        outbox=doc.channels.folder.outbox if doc.channels.folder else None,
        channels=_to_channels(doc.channels),
        source_file=label,
        layouts=_to_layouts(doc.layouts),
    )


def _to_as2(doc: PartnerFile, path: Path) -> As2Settings | None:
    """The AS2 channel with its certificate paths made absolute (relative ones are to the profile file)."""
    c = doc.channels.as2
    if c is None:
        return None
    base = Path(path).resolve().parent
    return As2Settings(
        url=c.url,
        certificates=[str(base / cert) for cert in c.all_certificates()],
        as2_id=doc.identities.as2_id,
        sign=c.sign,
        encrypt=c.encrypt,
        compress=c.compress,
        digest=c.digest,
        encryption=c.encryption,
        mdn=MdnMode(c.mdn),
        mdn_signed=c.mdn_signed,
        require_signed=c.require_signed,
        require_encrypted=c.require_encrypted,
        content_type=c.content_type,
        timeout_seconds=c.timeout_seconds,
        retries=c.retries,
        backoff_seconds=c.backoff_seconds,
        user=c.user,
        password_ref=c.password,
    )


# --- layouts of orders that are not EDI --------------------------------------------------


def _to_layouts(doc: LayoutsSchema) -> DocumentLayouts:
    templates = [
        PdfTemplate(
            name=t.name,
            fields={
                name: FieldRule(
                    label=f.label,
                    direction=f.direction,
                    region=(f.region[0], f.region[1], f.region[2], f.region[3]) if f.region else None,
                    page=f.page,
                    pattern=f.pattern,
                )
                for name, f in t.fields.items()
            },
            columns=dict(t.columns),
            date_format=t.date_format,
            decimal=t.decimal,
        )
        for t in doc.pdf_templates
    ]
    cm = doc.column_map
    column_map = (
        None
        if cm is None
        else ColumnMap(
            columns=dict(cm.columns),
            delimiter=cm.delimiter,
            encoding=cm.encoding,
            decimal=cm.decimal,
            date_format=cm.date_format,
            sheet=cm.sheet,
            po_number=cm.po_number,
        )
    )
    return DocumentLayouts(pdf_templates=templates, column_map=column_map)


def _read(path: Path, problems: list[str]) -> LoadedPartner | None:
    """One profile, its problems appended to ``problems``; ``None`` when it had any."""
    label = display(path)
    before = len(problems)
    data = read_yaml(path, problems)
    if len(problems) > before:
        return None
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        problems.append(f"{label}: (top level): must be a mapping of fields (id, name, ...), not {kind}")
        return None
    secrets = list(find_inline_secrets(data))
    problems.extend(f"{label}: {path_}: {message}" for path_, message in secrets)
    doc: PartnerFile | None = None
    try:
        doc = PartnerFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(
            validation_problems(label, exc, model=PartnerFile, skip_paths=[p for p, _ in secrets])
        )
    if doc is None:
        return None
    rows = _xref_rows(doc, path, label, problems)
    _check_xref_conflicts(rows, problems)
    if len(problems) > before:
        return None
    profile = _to_profile(doc, label, [_to_xref(entry) for _, entry in rows])
    profile.as2 = _to_as2(doc, path)
    return LoadedPartner(profile, doc, path)


def read_partner_file(path: Path) -> LoadedPartner:
    """One profile with its validated file form; raises ``ConfigProblems`` listing every problem."""
    problems: list[str] = []
    loaded = _read(Path(path), problems)
    if problems or loaded is None:
        raise ConfigProblems(
            problems or [f"{display(Path(path))}: could not be read"], what="partner profile"
        )
    return loaded


def load_partner_file(path: Path) -> PartnerProfile:
    """One partner profile; raises ``ConfigProblems`` (a ``ConfigurationError``) listing every problem."""
    return read_partner_file(path).profile


# --- a directory of profiles -----------------------------------------------------


def profile_files(directory: Path) -> list[Path]:
    """The profile files of ``directory`` (``*.yaml`` and ``*.yml``, not hidden), sorted by name."""
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith(".")
    )


def read_partners(directory: Path) -> dict[str, LoadedPartner]:
    """Every profile of ``directory`` with its file form, by id; all problems raised together."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigProblems([f"{display(directory)}: is not a directory of partner profiles"])
    problems: list[str] = []
    loaded = [lp for path in profile_files(directory) if (lp := _read(path, problems)) is not None]
    by_id: dict[str, LoadedPartner] = {}
    claims: dict[tuple[str, str], LoadedPartner] = {}
    for lp in loaded:
        p = lp.profile
        keys = [("id", p.id.upper())]
        if p.x12 is not None:
            keys.append(("ISA qualifier + id", f"{p.x12.isa_qualifier}:{p.x12.isa_id.strip().upper()}"))
        if p.as2_id:
            keys.append(("AS2 id", p.as2_id.strip().upper()))
        keys.extend(("email sender", e) for e in p.email_senders)
        keys.extend(("cXML credential", f"{c.domain}:{c.identity}".upper()) for c in p.cxml_credentials)
        keys.extend(("UBL party id", f"{u.scheme or '*'}:{u.id}".upper()) for u in p.ubl_parties)
        clash = False
        for kind, key in keys:
            other = claims.setdefault((kind, key), lp)
            if other is not lp:
                clash = True
                problems.append(
                    f"{p.source_file}: the {kind} {key} is already used by {other.profile.source_file} "
                    f"(partner {other.profile.id})"
                )
        if not clash:
            by_id[p.id] = lp
    if problems:
        raise ConfigProblems(problems, what="partner profiles")
    return by_id


def load_partners(directory: Path) -> dict[str, PartnerProfile]:
    """Every partner profile of ``directory``, by id; raises ``ConfigProblems`` listing every problem."""
    return {pid: lp.profile for pid, lp in read_partners(directory).items()}


def find_by_x12(partners: Mapping[str, PartnerProfile], qualifier: str, isa_id: str) -> PartnerProfile | None:
    """The profile whose ISA qualifier and id are the sender's (padding and case ignored)."""
    q = (qualifier or "").strip().upper()
    i = (isa_id or "").strip().upper()
    for profile in partners.values():
        x12 = profile.x12
        if x12 is not None and x12.isa_qualifier.upper() == q and x12.isa_id.strip().upper() == i:
            return profile
    return None
