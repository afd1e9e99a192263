"""The partner-profile file format: pydantic models, and the messages their errors turn into.

A profile is one YAML file per trading partner (see ``mappings/partners/README.md``).
These models say what may be written in it; ``mappings.loader`` reads the files,
validates them here and converts the result to ``gateway.domain.partners``.

Every problem becomes one line ``<file>: <field path>: <what is wrong>``, e.g.
``partners/acme.yaml: policy.price_tolerance.percent: must be ≥ 0``; all the
lines of a load travel together in one ``ConfigProblems`` error.

Secrets are never written in a profile: any key named ``password``, ``secret``,
``token``, ``passphrase`` or ``private_key`` (or ending in ``_password`` etc.)
must hold a reference, ``env:NAME`` or ``file:/path``, resolved by the channel
adapter when it connects.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic import model_validator as _model_validator
from pydantic_core import ErrorDetails

from gateway.domain.layouts import COLUMN_ROLES, PDF_FIELDS
from gateway.domain.partners import PriceAction, ShortStockAction
from gateway.errors import ConfigurationError

# --- the error every load raises ----------------------------------------------


class ConfigProblems(ConfigurationError):
    """A configuration load failed; ``problems`` holds one ``file: field: what`` line per problem."""

    code = "config.invalid"

    def __init__(self, problems: Sequence[str], *, what: str = "configuration") -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            body = "\n".join(f"  {p}" for p in self.problems)
            message = f"{len(self.problems)} problems in the {what}:\n{body}"
        super().__init__(message)


# --- small value checks shared by profiles and the catalog ---------------------

SECRET_WORDS = ("password", "secret", "token", "passphrase", "private_key", "api_key")
SECRET_REF = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|file:\S+)$")
SECRET_HINT = "give a reference such as env:ACME_SFTP_PASSWORD or file:/run/secrets/acme_sftp"


def is_secret_key(name: object) -> bool:
    """Whether a key names a secret (``password``, ``sftp_password``, ``api_token``, ...)."""
    if not isinstance(name, str):
        return False
    key = name.strip().lower().replace("-", "_")
    return any(key == w or key.endswith("_" + w) for w in SECRET_WORDS)


def is_secret_ref(value: object) -> bool:
    return isinstance(value, str) and bool(SECRET_REF.match(value.strip()))


def find_inline_secrets(data: object, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, str]]:
    """(field path, message) for every secret-named key, anywhere, whose value is not a reference."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            here = (*path, str(key))
            if is_secret_key(key) and value is not None and not is_secret_ref(value):
                yield (
                    field_path(here),
                    f"secrets are never written in a profile: {SECRET_HINT} (the value given is not shown)",
                )
            else:
                yield from find_inline_secrets(value, here)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from find_inline_secrets(value, (*path, i))


def _secret_ref(value: str) -> str:
    value = value.strip()
    if not SECRET_REF.match(value):
        raise ValueError(f"must be a reference, not the secret itself: {SECRET_HINT}")
    return value


SecretRef = Annotated[str, AfterValidator(_secret_ref)]


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for ``body`` (a GTIN without its last digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_problem(code: str) -> str | None:
    """Why ``code`` is not a GTIN-8/12/13/14 (UPC-A is GTIN-12), or ``None`` when it is one."""
    if not code.isdigit():
        return "must be digits only"
    if len(code) not in (8, 12, 13, 14):
        return f"must be 8, 12, 13 or 14 digits (UPC-A is 12), not {len(code)}"
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"check digit is wrong: {code[:-1]}{expected} would be valid"
    return None


def _gtin(value: str) -> str:
    value = value.strip()
    problem = gtin_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Gtin = Annotated[str, AfterValidator(_gtin)]


def _unit_code(value: str) -> str:
    value = value.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{2}", value):
        raise ValueError("must be a two-character unit of measure code such as EA, CA, BX")
    return value


UnitCode = Annotated[str, AfterValidator(_unit_code)]


def _code(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", value):
        raise ValueError(
            "must be letters, digits, '_', '.' or '-' (at most 64), starting with a letter or digit"
        )
    return value


Code = Annotated[str, AfterValidator(_code)]


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


Text = Annotated[str, AfterValidator(_text)]


def parse_factor(value: object) -> Decimal | Literal["pack"]:
    """A unit conversion factor: a number above 0, or ``pack`` (the item's pack size)."""
    if isinstance(value, str) and value.strip().lower() == "pack":
        return "pack"
    if isinstance(value, bool):
        raise ValueError("must be a number above 0 or the word 'pack'")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("must be a number above 0 or the word 'pack'") from None
    if not number.is_finite() or number <= 0:
        raise ValueError("must be a number above 0 or the word 'pack'")
    return number


# --- the models ----------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=True)


class Separators(BaseModel):
    # no whitespace stripping here: "\n" is a usable segment terminator
    model_config = ConfigDict(extra="forbid")

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str = "^"

    @field_validator("element", "component", "segment", "repetition", mode="before")
    @classmethod
    def _one_char(cls, value: object) -> object:
        if not isinstance(value, str) or len(value) != 1 or value.isalnum() or value == " ":
            raise ValueError("must be one character that is neither a letter, a digit nor a space")
        return value

    @_model_validator(mode="after")
    def _distinct(self) -> Separators:
        chars = [self.element, self.component, self.segment, self.repetition]
        if len(set(chars)) != len(chars):
            raise ValueError("element, component, segment and repetition separators must all differ")
        return self


VERSION = re.compile(r"^00(4010|5010)[A-Z0-9]{0,6}$")


class X12IdentitySchema(Strict):
    isa_qualifier: str
    isa_id: str
    gs_id: str
    version: str = "004010"
    separators: Separators = Field(default_factory=Separators)
    ack_requested: bool = False

    @field_validator("isa_qualifier")
    @classmethod
    def _qualifier(cls, value: str) -> str:
        value = value.upper()
        if not re.fullmatch(r"[A-Z0-9]{2}", value):
            raise ValueError("must be a two-character ISA qualifier such as ZZ, 01, 08, 12")
        return value

    @field_validator("isa_id")
    @classmethod
    def _isa_id(cls, value: str) -> str:
        if not 1 <= len(value) <= 15 or not value.isprintable() or not value.isascii():
            raise ValueError("must be 1 to 15 printable ASCII characters (it is padded to 15 on the wire)")
        return value

    @field_validator("gs_id")
    @classmethod
    def _gs_id(cls, value: str) -> str:
        if not 2 <= len(value) <= 15 or not value.isprintable() or not value.isascii():
            raise ValueError("must be 2 to 15 printable ASCII characters")
        return value

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        value = value.upper()
        if not VERSION.match(value):
            raise ValueError("must be 004010 or 005010, optionally with a suffix such as 004010VICS")
        return value

    @_model_validator(mode="after")
    def _no_separators_in_ids(self) -> X12IdentitySchema:
        seps = self.separators
        for name in ("isa_id", "gs_id"):
            value = getattr(self, name)
            if any(c in value for c in (seps.element, seps.component, seps.segment, seps.repetition)):
                raise ValueError(f"{name} must not contain a separator character")
        return self


class CxmlCredentialSchema(Strict):
    """A cXML ``From/Credential``: ``domain`` (NetworkID, DUNS, ...) and ``identity``."""

    domain: Text
    identity: Text


class UblPartySchema(Strict):
    """A UBL buyer party id: ``scheme`` (its ``schemeID``, e.g. 0088 for a GLN; any when left out), ``id``."""

    scheme: str | None = None
    id: Text


class IdentitiesSchema(Strict):
    x12: X12IdentitySchema | None = None
    as2_id: str | None = None
    email_senders: list[str] = Field(default_factory=list)
    cxml: list[CxmlCredentialSchema] = Field(default_factory=list)
    ubl_party: list[UblPartySchema] = Field(default_factory=list)

    @field_validator("as2_id")
    @classmethod
    def _as2_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[!-~]{1,128}", value.replace('"', "")):
            raise ValueError("must be 1 to 128 printable ASCII characters without spaces")
        return value

    @field_validator("email_senders")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        out = []
        for value in values:
            value = value.strip().lower()
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+|@[^@\s]+\.[^@\s]+", value):
                raise ValueError(f"{value!r} is not an address (or an @domain for the whole domain)")
            out.append(value)
        return out


class DocumentsSchema(Strict):
    functional_ack: bool = True
    ta1: Literal["always", "when_requested", "never"] = "when_requested"
    po_ack: bool = True
    po_ack_detail: Literal["all_lines", "exceptions_only"] = "all_lines"
    ship_notice: bool = True
    invoice: bool = True
    change_ack: bool = True
    answer_unknown_sender: bool = False
    order_response: bool = True  # cXML / UBL orders answered in their own format
    asn_hierarchy: Literal["SOPI", "SOTPI", "SOI"] = "SOPI"
    asn_hash_total: bool = False
    invoice_per: Literal["shipment", "order"] = "shipment"
    terms_net_days: int = Field(default=30, ge=0, le=999)
    terms_discount_percent: Decimal = Field(default=Decimal(0), ge=0, le=100)
    terms_discount_days: int = Field(default=0, ge=0, le=999)
    freight_charge: Decimal = Field(default=Decimal(0), ge=0)
    tax_percent: Decimal = Field(default=Decimal(0), ge=0, le=100)
    backorder_release: Literal["po_ack", "none"] = "po_ack"
    # hours after we deliver a document within which the partner's 997/999 is due
    ack_window_hours: int = Field(default=24, ge=1, le=24 * 30)


class FolderChannel(Strict):
    inbox: str | None = None
    outbox: str | None = None
    archive: str | None = None
    poll_seconds: int = Field(default=30, ge=1)
    settle_seconds: int = Field(default=5, ge=0)


class SftpChannel(Strict):
    host: Text
    port: int = Field(default=22, ge=1, le=65535)
    user: Text
    password: SecretRef | None = None
    private_key: SecretRef | None = None
    host_key: str | None = None  # the server's host key fingerprint (SHA256:...): not a secret
    inbound_dir: str = "/"
    outbound_dir: str = "/"
    archive_dir: str | None = None  # remote folder picked-up files move to; deleted when not given
    poll_seconds: int = Field(default=300, ge=1)
    timeout_seconds: int = Field(default=30, ge=1)

    @_model_validator(mode="after")
    def _credentials(self) -> SftpChannel:
        if self.password is None and self.private_key is None:
            raise ValueError("give a password or a private_key (by reference, e.g. env:NAME)")
        return self


class As2Channel(Strict):
    url: str
    partner_certificate: str | None = None  # path of the partner's public certificate
    # more than one during a rollover (paths relative to the profile file)
    certificates: list[str] = Field(default_factory=list)
    sign: bool = True
    encrypt: bool = True
    compress: bool = False
    digest: Literal["sha1", "sha224", "sha256", "sha384", "sha512"] = "sha256"
    encryption: Literal[
        "tripledes_192_cbc", "aes_128_cbc", "aes_192_cbc", "aes_256_cbc", "rc2_128_cbc", "rc4_128_cbc"
    ] = "aes_256_cbc"
    mdn: Literal["sync", "async", "none"] = "sync"
    mdn_signed: bool = True
    require_signed: bool = True  # refuse (insufficient-message-security) what arrives unsigned
    require_encrypted: bool = False
    content_type: str = "application/edi-x12"
    timeout_seconds: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0)
    backoff_seconds: float = Field(default=1.0, ge=0)
    user: str | None = None
    password: SecretRef | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://\S+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    def all_certificates(self) -> list[str]:
        """Every certificate path named, the single ``partner_certificate`` first."""
        named = [self.partner_certificate] if self.partner_certificate else []
        return [*named, *(c for c in self.certificates if c not in named)]


class EmailChannel(Strict):
    send_to: list[str] = Field(default_factory=list)
    subject_prefix: str | None = None
    confirm_receipt: bool = False  # mail a receipt when a message's documents are archived


class HttpChannel(Strict):
    url: str
    token: SecretRef | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://\S+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value


class SftpPushChannel(Strict):
    """The partner logs in to our embedded SFTP server (``ordergate sftp-server``) with one of
    these public keys, and sees only its own home: it puts files into ``in/`` and takes ours
    from ``out/``."""

    user: Code | None = None  # the login name (default: the partner id)
    authorized_keys: list[str] = Field(min_length=1)
    poll_seconds: int = Field(default=30, ge=1)
    settle_seconds: int = Field(default=5, ge=0)

    @field_validator("authorized_keys")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        for key in value:
            if not re.fullmatch(
                r"(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?", key.strip()
            ):
                raise ValueError("each key must be an OpenSSH public key line (ssh-ed25519 AAAA... comment)")
        return [k.strip() for k in value]


class HttpInChannel(Strict):
    """The partner uploads to ``POST /api/documents`` with this bearer token."""

    token: SecretRef


ChannelName = Literal["folder", "sftp", "as2", "email", "http", "sftp_push"]


class ChannelsSchema(Strict):
    deliver_via: ChannelName | None = None  # where outbound documents go; default: the first configured
    folder: FolderChannel | None = None
    sftp: SftpChannel | None = None
    as2: As2Channel | None = None
    email: EmailChannel | None = None
    http: HttpChannel | None = None
    http_in: HttpInChannel | None = None
    sftp_push: SftpPushChannel | None = None

    @_model_validator(mode="after")
    def _deliver_via_is_configured(self) -> ChannelsSchema:
        if self.deliver_via is not None and getattr(self, self.deliver_via) is None:
            raise ValueError(f"deliver_via names {self.deliver_via!r}, which has no settings here")
        return self

    def configured(self) -> list[str]:
        names = ("folder", "sftp", "as2", "email", "http", "sftp_push")
        return [n for n in names if getattr(self, n) is not None]


class PriceToleranceSchema(Strict):
    absolute: Decimal | None = Field(default=None, ge=0)
    percent: Decimal | None = Field(default=None, ge=0, le=100)
    action: PriceAction = PriceAction.ACCEPT_OUR_PRICE


class PolicySchema(Strict):
    short_stock: ShortStockAction = ShortStockAction.BACKORDER
    partial_shipment: bool = True
    multi_warehouse: bool = False
    preferred_warehouses: list[Code] = Field(default_factory=list)
    price_tolerance: PriceToleranceSchema = Field(default_factory=PriceToleranceSchema)
    substitutions: bool = False
    pack_multiple_required: bool = False
    unknown_item: Literal["review", "reject_line"] = "review"
    id_preference: list[str] | None = None
    ship_lead_days: int = Field(default=1, ge=0, le=365)
    priority: int = Field(default=0, ge=-1000, le=1000)
    auto_confirm_documents: bool = False

    @field_validator("id_preference")
    @classmethod
    def _qualifiers(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        out: list[str] = []
        for value in values:
            code = value.strip().upper()
            if not re.fullmatch(r"[A-Z0-9]{2}", code):
                raise ValueError(f"{value!r} is not a two-character product id qualifier (BP, UP, VP, ...)")
            if code in out:
                raise ValueError(f"{code} is listed twice")
            out.append(code)
        return out


class CrossReferenceSchema(Strict):
    """One row of the item cross-reference, inline in the profile or in its CSV file."""

    sku: Text
    buyer_part: str | None = None
    upc: Gtin | None = None
    vendor_part: str | None = None
    unit: UnitCode | None = None
    factor: Any = None  # a number above 0, or "pack"; 1 when not given

    @field_validator("factor")
    @classmethod
    def _factor(cls, value: object) -> object:
        return None if value is None else parse_factor(value)

    @_model_validator(mode="after")
    def _says_something(self) -> CrossReferenceSchema:
        if not (self.buyer_part or self.upc or self.vendor_part or self.unit):
            raise ValueError("give at least one of buyer_part, upc, vendor_part (or a unit conversion)")
        if self.factor is not None and self.unit is None:
            raise ValueError("a factor needs the unit it converts from")
        return self


# --- layouts of orders that are not EDI: PDF templates and spreadsheet column maps ---------


def _role(value: str) -> str:
    value = value.strip()
    if value not in COLUMN_ROLES:
        raise ValueError(f"{value!r} is not a column role; one of {', '.join(COLUMN_ROLES)}")
    return value


Role = Annotated[str, AfterValidator(_role)]


def _pattern(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"is not a regular expression: {exc}") from None
    return value


Pattern = Annotated[str | None, AfterValidator(_pattern)]


class FieldRuleSchema(Strict):
    label: str | None = None
    direction: Literal["right", "below"] = "right"
    region: list[float] | None = None
    page: int = Field(default=1, ge=1)
    pattern: Pattern = None

    @_model_validator(mode="after")
    def _anchor(self) -> FieldRuleSchema:
        if (self.label is None) == (self.region is None):
            raise ValueError("give either a label or a region")
        if self.region is not None and (
            len(self.region) != 4 or self.region[0] >= self.region[2] or self.region[1] >= self.region[3]
        ):
            raise ValueError("region must be [x0, top, x1, bottom] with x0 < x1 and top < bottom")
        return self


class PdfTemplateSchema(Strict):
    name: Code
    fields: dict[str, FieldRuleSchema] = Field(default_factory=dict)
    columns: dict[str, Role] = Field(default_factory=dict)
    date_format: str | None = None
    decimal: Literal["point", "comma"] | None = None

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, FieldRuleSchema]) -> dict[str, FieldRuleSchema]:
        for name in value:
            if name not in PDF_FIELDS:
                raise ValueError(f"{name!r} is not a template field; one of {', '.join(PDF_FIELDS)}")
        return value

    @field_validator("columns")
    @classmethod
    def _has_quantity(cls, value: dict[str, str]) -> dict[str, str]:
        if value and "quantity" not in value.values():
            raise ValueError("the line table needs a column with the role quantity")
        return value


class ColumnMapSchema(Strict):
    columns: dict[str, Role] = Field(default_factory=dict)
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    encoding: Literal["utf-8", "utf-8-sig", "cp1252", "latin-1"] | None = None
    decimal: Literal["point", "comma"] | None = None
    date_format: str | None = None
    sheet: str | None = None
    po_number: str | None = None


class LayoutsSchema(Strict):
    pdf_templates: list[PdfTemplateSchema] = Field(default_factory=list)
    column_map: ColumnMapSchema | None = None


class PartnerFile(Strict):
    """The whole of one partner-profile YAML file."""

    id: Code
    name: Text
    active: bool = True
    test_mode: bool = False
    duplicate_window_days: int = Field(default=30, ge=0)
    identities: IdentitiesSchema = Field(default_factory=IdentitiesSchema)
    documents: DocumentsSchema = Field(default_factory=DocumentsSchema)
    channels: ChannelsSchema = Field(default_factory=ChannelsSchema)
    policy: PolicySchema = Field(default_factory=PolicySchema)
    cross_references: list[CrossReferenceSchema] = Field(default_factory=list)
    cross_reference_file: str | None = None
    layouts: LayoutsSchema = Field(default_factory=LayoutsSchema)


# --- turning pydantic errors into our lines ------------------------------------


def field_path(loc: Iterable[str | int]) -> str:
    """('policy', 'price_tolerance', 'percent') → policy.price_tolerance.percent; indexes as [i]."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _all_field_names(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for info in model.model_fields.values():
        for arg in _flatten_types(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= _all_field_names(arg, seen)
    return names


def _flatten_types(annotation: object) -> Iterator[object]:
    yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _flatten_types(arg)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_SIGNS = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}


def describe(error: ErrorDetails, known_fields: Iterable[str] = ()) -> str:
    """What a person should read for one pydantic error (without the field path)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    secret = any(is_secret_key(p) for p in error["loc"])
    got = "" if secret else f", not {_shown(given)}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1]) if error["loc"] else ""
        close = difflib.get_close_matches(name, list(known_fields), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"is not a field this file may have{hint}"
    if kind in ("string_type", "string_sub_type"):
        return f"must be text{got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false{got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number{got}"
    if kind in ("decimal_type", "decimal_parsing", "float_type", "float_parsing", "finite_number"):
        return f"must be a number{got}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of fields{got}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list{got}"
    if kind in _SIGNS:
        sign = _SIGNS[kind]
        bound = next(iter(ctx.values()), "?")
        return f"must be {sign} {bound}{got}"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected', '?')}{got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    return str(error["msg"])


def validation_problems(
    label: str,
    exc: ValidationError,
    *,
    model: type[BaseModel],
    skip_paths: Iterable[str] = (),
    path_of: Callable[[tuple[str | int, ...]], str] | None = None,
) -> list[str]:
    """``label: field.path: what`` lines for a pydantic error; ``path_of`` may rename a loc."""
    known = _all_field_names(model)
    skip = set(skip_paths)
    lines: list[str] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        path = path_of(loc) if path_of else field_path(loc)
        if path in skip:
            continue
        line = f"{label}: {path}: {describe(error, known)}"
        if line not in lines:
            lines.append(line)
    return lines
