"""X12 transaction-set dictionary: compiles the pyx12-format XML maps in ``maps/``.

The maps hold the published ASC X12 definitions of 850 and 860 (004010 and
005010).  They are compiled once per process into a tree of ``LoopNode`` and
``SegmentNode`` with per-segment tuples of ``ElementSpec`` so the validator
does a few dict lookups per segment.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

MAPS_DIR = Path(__file__).parent / "maps"

# data type codes used by the validator
AN, ID, NUM, REAL, DATE, TIME = range(6)
_TYPE_CODES = {"AN": AN, "ID": ID, "R": REAL, "DT": DATE, "TM": TIME, "B": AN}

UNBOUNDED = sys.maxsize

# Elements the canonical mapping reads: a bad value there rejects the set.
CRITICAL_ELEMENTS: frozenset[tuple[str, int]] = frozenset(
    {
        ("BEG", 3),
        ("BEG", 5),
        ("PO1", 2),
        ("PO1", 4),
        ("BCH", 3),
        ("BCH", 6),
        ("POC", 2),
        ("POC", 3),
        ("POC", 6),
    }
)

_MAP_FILES = {
    ("850", "4010"): "850.4010.xml",
    ("850", "5010"): "850.5010.xml",
    ("860", "4010"): "860.4010.xml",
    ("860", "5010"): "860.5010.xml",
}


@dataclass(frozen=True, slots=True)
class ElementSpec:
    """One simple element or composite (``components`` set) of a segment."""

    position: int
    reference: str  # data element number, e.g. "373" or "C001"
    name: str
    mandatory: bool
    min_len: int
    max_len: int
    dtype: int  # AN, ID, NUM, REAL, DATE, TIME
    codes: frozenset[str] | None
    components: tuple[ElementSpec, ...] | None = None
    critical: bool = False


@dataclass(frozen=True, slots=True)
class SegmentSpec:
    id: str
    name: str
    elements: tuple[ElementSpec, ...]


@dataclass(slots=True, eq=False)
class SegmentNode:
    id: str
    mandatory: bool
    max_use: int
    spec: SegmentSpec

    @property
    def is_loop(self) -> bool:
        return False


@dataclass(slots=True, eq=False)
class LoopNode:
    """A loop; ``index`` maps a segment id to the child positions it can match."""

    id: str
    mandatory: bool
    repeat: int
    children: tuple[SegmentNode | LoopNode, ...]
    index: dict[str, tuple[int, ...]] = field(default_factory=dict)
    mandatory_children: tuple[int, ...] = ()
    # step[i]: segment id -> the first child position >= i it can match (the validator's forward search)
    step: tuple[dict[str, int], ...] = ()
    # next_mandatory[i]: the first mandatory child position > i (len(children) when there is none)
    next_mandatory: tuple[int, ...] = ()
    # the last mandatory child position (-1 when there is none)
    last_mandatory: int = -1
    # positions[i]: the walk position at child i (set by ``compile_map``)
    positions: tuple[WalkPosition, ...] = field(default=(), repr=False)

    @property
    def is_loop(self) -> bool:
        return True

    @property
    def first_segment(self) -> SegmentNode:
        first = self.children[0]
        assert isinstance(first, SegmentNode)
        return first


@dataclass(slots=True, eq=False)
class WalkPosition:
    """A place in a set's walk: child ``index`` of ``loop``, inside the loops of ``path``.

    ``path`` is (loop, child index) from the set's level down to this one (the enclosing
    loops each at the child position of the loop that is open).  ``moves`` is the
    validator's memo of where each segment id leads from here (filled as they are met).
    """

    loop: LoopNode = field(repr=False)
    index: int
    path: tuple[tuple[LoopNode, int], ...] = field(repr=False)
    moves: dict[str, object] = field(default_factory=dict, repr=False)


@dataclass(slots=True, eq=False)
class SetDefinition:
    set_id: str
    version: str  # "4010" or "5010"
    map_file: str
    root: LoopNode  # ST..SE level (table wrappers flattened)
    segment_ids: frozenset[str]


def _count(text: str | None) -> int:
    text = (text or "1").strip()
    if text.startswith(">"):
        return UNBOUNDED
    return int(text)


@functools.cache
def _data_elements(version: str) -> dict[str, tuple[str, int, int]]:
    table: dict[str, tuple[str, int, int]] = {}
    files = ["dataele.xml"] + (["dataele.4010.xml"] if version == "4010" else [])
    for name in files:
        for el in _parse(MAPS_DIR / name).iter("data_ele"):
            table[el.get("ele_num")] = (el.get("data_type"), int(el.get("min_len")), int(el.get("max_len")))
    return table


def _parse(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    return etree.parse(str(path), parser).getroot()


def _element_spec(el: etree._Element, seg_id: str, position: int, dataele: dict) -> ElementSpec:
    ref = el.findtext("data_ele").strip()
    usage = el.findtext("usage").strip()
    name = (el.findtext("name") or "").strip()
    critical = (seg_id, position) in CRITICAL_ELEMENTS
    if el.tag == "composite":
        comps = tuple(
            _element_spec(c, seg_id, i, dataele) for i, c in enumerate(el.findall("element"), start=1)
        )
        return ElementSpec(position, ref, name, usage == "R", 0, 0, AN, None, comps, critical)
    dtype, lo, hi = dataele[ref]
    code = NUM if dtype.startswith("N") else _TYPE_CODES[dtype]
    codes_el = el.find("valid_codes")
    codes = None
    if codes_el is not None and codes_el.get("external") is None:
        values = [c.text.strip() for c in codes_el.findall("code") if c.text]
        codes = frozenset(values) if values else None
    return ElementSpec(position, ref, name, usage == "R", lo, hi, code, codes, None, critical)


def _segment(el: etree._Element, dataele: dict, cache: dict[str, SegmentSpec]) -> SegmentNode:
    seg_id = el.get("xid")
    elements = tuple(
        _element_spec(child, seg_id, int(child.findtext("seq")), dataele)
        for child in el
        if child.tag in ("element", "composite")
    )
    spec = SegmentSpec(seg_id, (el.findtext("name") or "").strip(), elements)
    spec = cache.setdefault(f"{seg_id}:{hash(elements)}", spec)
    return SegmentNode(seg_id, el.findtext("usage").strip() == "R", _count(el.findtext("max_use")), spec)


def _children(el: etree._Element, dataele: dict, cache: dict) -> list[SegmentNode | LoopNode]:
    out: list[SegmentNode | LoopNode] = []
    for child in el:
        if child.tag == "segment":
            out.append(_segment(child, dataele, cache))
        elif child.tag == "loop":
            kids = _children(child, dataele, cache)
            if child.get("type") == "wrapper":
                out.extend(kids)  # table wrappers (HEADER/DETAIL/FOOTER) are not loops in the standard
            else:
                out.append(_loop(child.get("xid"), child, kids))
    return out


def _loop(loop_id: str, el: etree._Element, kids: list[SegmentNode | LoopNode]) -> LoopNode:
    node = LoopNode(
        loop_id,
        (el.findtext("usage") or "S").strip() == "R",
        _count(el.findtext("repeat")),
        tuple(kids),
    )
    index: dict[str, list[int]] = {}
    for i, kid in enumerate(kids):
        key = kid.first_segment.id if isinstance(kid, LoopNode) else kid.id
        index.setdefault(key, []).append(i)
    node.index = {k: tuple(v) for k, v in index.items()}
    node.mandatory_children = tuple(i for i, kid in enumerate(kids) if kid.mandatory)
    step: list[dict[str, int]] = [{}] * (len(kids) + 1)
    next_mandatory = [len(kids)] * len(kids)
    following = len(kids)
    for i in range(len(kids) - 1, -1, -1):
        kid = kids[i]
        step[i] = {**step[i + 1], (kid.first_segment.id if isinstance(kid, LoopNode) else kid.id): i}
        next_mandatory[i] = following
        if kid.mandatory:
            following = i
    node.step = tuple(step)
    node.next_mandatory = tuple(next_mandatory)
    node.last_mandatory = node.mandatory_children[-1] if node.mandatory_children else -1
    return node


def _set_positions(loop: LoopNode, outer: tuple[tuple[LoopNode, int], ...]) -> None:
    loop.positions = tuple(WalkPosition(loop, i, (*outer, (loop, i))) for i in range(len(loop.children)))
    for i, kid in enumerate(loop.children):
        if isinstance(kid, LoopNode):
            _set_positions(kid, (*outer, (loop, i)))


def _collect_ids(loop: LoopNode, out: set[str]) -> None:
    for kid in loop.children:
        if isinstance(kid, LoopNode):
            _collect_ids(kid, out)
        else:
            out.add(kid.id)


def compile_map(path: Path, set_id: str, version: str) -> SetDefinition:
    """Compile one pyx12-format map file (the ST_LOOP part) into a SetDefinition."""
    root = _parse(path)
    found = root.xpath(".//loop[@xid='ST_LOOP']")
    if not found:
        raise ValueError(f"{path.name}: no ST_LOOP")
    st_loop = found[0]
    kids = _children(st_loop, _data_elements(version), {})
    tree = _loop("ST_LOOP", st_loop, kids)
    _set_positions(tree, ())
    ids: set[str] = set()
    _collect_ids(tree, ids)
    return SetDefinition(set_id, version, path.name, tree, frozenset(ids))


def version_family(version: str) -> str | None:
    """'4010' for any GS08 004xxx, '5010' for 005xxx, else None."""
    if version.startswith("004"):
        return "4010"
    if version.startswith("005"):
        return "5010"
    return None


@functools.cache
def _load(set_id: str, family: str) -> SetDefinition:
    return compile_map(MAPS_DIR / _MAP_FILES[(set_id, family)], set_id, family)


def get_definition(set_id: str, version: str) -> SetDefinition | None:
    """The compiled definition for a set id and GS08 version, or None when unsupported."""
    family = version_family(version.strip())
    if family is None or (set_id, family) not in _MAP_FILES:
        return None
    return _load(set_id, family)


def supported_sets() -> list[tuple[str, str]]:
    """(set id, version family) pairs that have a map, e.g. ('850', '4010')."""
    return sorted(_MAP_FILES)


@functools.cache
def known_segment_ids() -> frozenset[str]:
    """Every segment id defined by any of our maps, plus the envelope segments."""
    ids = {"ISA", "IEA", "GS", "GE", "TA1"}
    for set_id, family in _MAP_FILES:
        ids |= _load(set_id, family).segment_ids
    return frozenset(ids)
