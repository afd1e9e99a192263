"""Validates one transaction set against its compiled dictionary definition.

Segment placement is a walk of the loop tree (forward at this level, pop to
parent loops, enter a child loop on its first segment, repeat a loop on its
trigger).  Where a segment id leads from a place in the tree, when getting there
reports nothing, is worked out once and kept on that place (``_Move``); only the
counts of repeats are kept per set.  Each segment's elements are then checked for presence, length,
type and code.  Findings carry the 997/999 codes (AK304/AK403/AK502).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import islice

from gateway.domain.diagnostics import AckCodes, Diagnostic, Level, Location, Severity
from parsers.x12.dictionary import (
    AN,
    DATE,
    ID,
    NUM,
    REAL,
    TIME,
    ElementSpec,
    LoopNode,
    SegmentNode,
    SetDefinition,
    WalkPosition,
    known_segment_ids,
)
from parsers.x12.structure import Segment, Separators, TransactionSet

_FATAL = Severity.FATAL
_ERROR = Severity.ERROR
_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# AK304 segment codes
SEG_UNRECOGNIZED = "1"
SEG_UNEXPECTED = "2"
SEG_MANDATORY_MISSING = "3"
SEG_LOOP_OVER_MAX = "4"
SEG_OVER_MAX_USE = "5"
SEG_NOT_IN_SET = "6"
SEG_OUT_OF_SEQUENCE = "7"
SEG_ELEMENT_ERRORS = "8"
# AK403 element codes
ELE_MANDATORY_MISSING = "1"
ELE_TOO_MANY_ELEMENTS = "3"
ELE_TOO_SHORT = "4"
ELE_TOO_LONG = "5"
ELE_INVALID_CHARACTER = "6"
ELE_INVALID_CODE = "7"
ELE_INVALID_DATE = "8"
ELE_INVALID_TIME = "9"
ELE_TOO_MANY_COMPONENTS = "13"

_ELEMENT_CODES = {
    ELE_MANDATORY_MISSING: "x12.element.mandatory_missing",
    ELE_TOO_MANY_ELEMENTS: "x12.element.too_many_elements",
    ELE_TOO_SHORT: "x12.element.too_short",
    ELE_TOO_LONG: "x12.element.too_long",
    ELE_INVALID_CHARACTER: "x12.element.invalid_character",
    ELE_INVALID_CODE: "x12.element.invalid_code",
    ELE_INVALID_DATE: "x12.element.invalid_date",
    ELE_INVALID_TIME: "x12.element.invalid_time",
    ELE_TOO_MANY_COMPONENTS: "x12.element.too_many_components",
}


def _clip(value: str | None) -> str | None:
    return value if value is None or len(value) <= 35 else value[:35]


class _Report:
    """Builds diagnostics for one set (only touched when there is an error)."""

    __slots__ = ("diagnostics", "ts")

    def __init__(self, ts: TransactionSet) -> None:
        self.ts = ts
        self.diagnostics: list[Diagnostic] = []

    def _location(self, seg_id: str, position: int, loop_id: str | None) -> Location:
        ts = self.ts
        return Location(
            interchange=ts.interchange.control if ts.interchange else None,
            group=ts.group.control if ts.group else None,
            set_control=ts.control,
            set_id=ts.set_id,
            segment_id=seg_id,
            segment_position=position,
            loop_id=loop_id,
        )

    def segment(
        self,
        code: str,
        ack: str,
        severity: Severity,
        seg_id: str,
        position: int,
        loop_id: str | None,
        message: str,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(
                code=code,
                message=message,
                severity=severity,
                level=Level.SEGMENT,
                location=self._location(seg_id, position, loop_id),
                ack=AckCodes(segment=ack),
                bad_value=seg_id[:35] if ack in (SEG_UNRECOGNIZED, SEG_NOT_IN_SET) else None,
            )
        )

    def element(
        self,
        ack: str,
        seg_id: str,
        position: int,
        loop_id: str | None,
        spec: ElementSpec | None,
        element_position: int,
        component_position: int | None,
        value: str | None,
        message: str,
        critical: bool,
    ) -> None:
        severity = _FATAL if critical or ack == ELE_MANDATORY_MISSING else _ERROR
        loc = self._location(seg_id, position, loop_id)
        loc.element_position = element_position
        loc.component_position = component_position
        loc.element_reference = spec.reference if spec is not None else None
        self.diagnostics.append(
            Diagnostic(
                code=_ELEMENT_CODES[ack],
                message=message,
                severity=severity,
                level=Level.ELEMENT,
                location=loc,
                ack=AckCodes(segment=SEG_ELEMENT_ERRORS, element=ack),
                bad_value=_clip(value),
            )
        )


def _date_ok(v: str) -> bool:
    if len(v) == 8:
        year, month, day = int(v[:4]), int(v[4:6]), int(v[6:8])
    elif len(v) == 6:
        year, month, day = 2000 + int(v[:2]), int(v[2:4]), int(v[4:6])
    else:
        return False
    if not 1 <= month <= 12 or day < 1 or day > _DAYS[month]:
        return False
    return not (month == 2 and day == 29 and (year % 4 or (year % 100 == 0 and year % 400)))


def _time_ok(v: str) -> bool:
    if len(v) not in (4, 6, 7, 8):
        return False
    if int(v[:2]) > 23 or int(v[2:4]) > 59:
        return False
    return len(v) == 4 or int(v[4:6]) <= 59


def _check_value(v: str, spec: ElementSpec) -> tuple[str, str] | None:
    """(AK403 code, message) for a non-empty value that breaks its spec, else None."""
    dtype = spec.dtype
    if dtype in (AN, ID):
        n = len(v)
        if not v.isprintable():
            return ELE_INVALID_CHARACTER, f"{spec.name} ({spec.reference}) has a non-printable character"
        if dtype == ID and spec.codes is not None and v not in spec.codes:
            return ELE_INVALID_CODE, f"{spec.name} ({spec.reference}): {v!r} is not a valid code"
    elif dtype == NUM:
        digits = v[1:] if v[0] == "-" else v
        if not (digits.isascii() and digits.isdigit()):
            return ELE_INVALID_CHARACTER, f"{spec.name} ({spec.reference}): {v!r} is not a whole number"
        n = len(digits)
    elif dtype == REAL:
        digits = v[1:] if v[0] == "-" else v
        if "." in digits:
            whole, _, frac = digits.partition(".")
            digits = whole + frac
        if not (digits.isascii() and digits.isdigit()):
            return ELE_INVALID_CHARACTER, f"{spec.name} ({spec.reference}): {v!r} is not a decimal number"
        n = len(digits)
    elif dtype == DATE:
        if not (v.isascii() and v.isdigit()) or not _date_ok(v):
            return ELE_INVALID_DATE, f"{spec.name} ({spec.reference}): {v!r} is not a valid date"
        n = len(v)
    else:  # TIME
        if not (v.isascii() and v.isdigit()) or not _time_ok(v):
            return ELE_INVALID_TIME, f"{spec.name} ({spec.reference}): {v!r} is not a valid time"
        n = len(v)
    if n < spec.min_len:
        return ELE_TOO_SHORT, f"{spec.name} ({spec.reference}) is too short: {n} < {spec.min_len}"
    if n > spec.max_len:
        return ELE_TOO_LONG, f"{spec.name} ({spec.reference}) is too long: {n} > {spec.max_len}"
    return None


def _check_segment(
    seg: Segment, node: SegmentNode, position: int, loop_id: str, comp: str, report: _Report | None, ts
) -> _Report | None:
    """Check the elements of one placed segment; returns the (possibly new) report."""
    specs = node.spec.elements
    nspecs = len(specs)
    seg_id = seg[0]
    for i in range(1, len(seg)):
        v = seg[i]
        if i > nspecs:
            if v:
                report = report or _Report(ts)
                report.element(
                    ELE_TOO_MANY_ELEMENTS, seg_id, position, loop_id, None, i, None, v,
                    f"{seg_id} has more data elements than the {nspecs} defined",
                    False,
                )  # fmt: skip
                break
            continue
        spec = specs[i - 1]
        if not v:
            if spec.mandatory:
                report = report or _Report(ts)
                report.element(
                    ELE_MANDATORY_MISSING, seg_id, position, loop_id, spec, i, None, None,
                    f"mandatory element {seg_id}{i:02d} {spec.name} ({spec.reference}) is missing",
                    True,
                )  # fmt: skip
            continue
        comps = spec.components
        if comps is None:
            if comp in v:
                problem: tuple[str, str] | None = (
                    ELE_TOO_MANY_COMPONENTS,
                    f"{seg_id}{i:02d} {spec.name} ({spec.reference}) is a simple element but has components",
                )
            else:
                problem = _check_value(v, spec)
            if problem is not None:
                report = report or _Report(ts)
                report.element(
                    problem[0], seg_id, position, loop_id, spec, i, None, v, problem[1], spec.critical
                )
            continue
        report = _check_composite(v, spec, seg_id, i, position, loop_id, comp, report, ts)
    # mandatory elements after the last one present
    for j in range(len(seg), nspecs + 1):
        spec = specs[j - 1]
        if spec.mandatory:
            report = report or _Report(ts)
            report.element(
                ELE_MANDATORY_MISSING, seg_id, position, loop_id, spec, j, None, None,
                f"mandatory element {seg_id}{j:02d} {spec.name} ({spec.reference}) is missing",
                True,
            )  # fmt: skip
    return report


def _check_composite(
    v: str, spec: ElementSpec, seg_id: str, i: int, position: int, loop_id: str, comp: str, report, ts
) -> _Report | None:
    parts = v.split(comp)
    comps = spec.components or ()
    if len(parts) > len(comps) and any(parts[len(comps) :]):
        report = report or _Report(ts)
        report.element(
            ELE_TOO_MANY_COMPONENTS, seg_id, position, loop_id, spec, i, len(comps) + 1, v,
            f"{seg_id}{i:02d} {spec.name} ({spec.reference}) has more than {len(comps)} components",
            spec.critical,
        )  # fmt: skip
    for k, cspec in enumerate(comps, start=1):
        cv = parts[k - 1] if k <= len(parts) else ""
        if not cv:
            if cspec.mandatory:
                report = report or _Report(ts)
                report.element(
                    ELE_MANDATORY_MISSING, seg_id, position, loop_id, cspec, i, k, None,
                    f"mandatory component {seg_id}{i:02d}-{k:02d} {cspec.name} ({cspec.reference})"
                    " is missing",
                    True,
                )  # fmt: skip
            continue
        problem = _check_value(cv, cspec)
        if problem is not None:
            report = report or _Report(ts)
            report.element(problem[0], seg_id, position, loop_id, cspec, i, k, cv, problem[1], spec.critical)
    return report


# -- fast clean-segment test ---------------------------------------------------
#
# For every segment definition (and pair of element/component separators) one
# regular expression accepts exactly the segment texts, joined back with the
# element separator, that ``_check_segment`` would find nothing wrong with
# (each element's characters, length, code list, calendar date or clock time,
# mandatory elements and components, no components in a simple element, no
# data past the last defined element).  It only ever accepts clean segments; a
# segment it does not accept goes through ``_check_segment``, so diagnostics are
# always produced by that one code path.  Repeats are possessive (``{m,n}+``): a value
# is always followed by a separator or the end, which no repeated class holds, so giving
# characters back could never lead to a match; and each optional tail tries "more
# elements" before "the end", as most segments go on.

# separators that could be taken for the content of a numeric, date or time element
_UNSAFE_SEPARATORS = frozenset("0123456789.-+")
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)(?:0[1-9]|[12][0-9]|30)"
    "|02(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_YY = "(?:0[48]|[2468][048]|[13579][26])"
_LEAP_CC = "(?:[02468][048]|[13579][26])"
_DATE8 = f"(?:[0-9]{{4}}{_MONTH_DAY}|(?:[0-9]{{2}}{_LEAP_YY}|{_LEAP_CC}00)0229)"
_DATE6 = f"(?:[0-9]{{2}}{_MONTH_DAY}|{_LEAP_CC}0229)"
_HHMM = "(?:[01][0-9]|2[0-3])[0-5][0-9]"

Matcher = Callable[[str], object]


def _char_class(chars: list[str]) -> str:
    """A regex character class holding exactly ``chars`` (all below U+0100)."""
    codes = sorted({ord(c) for c in chars})
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        parts.append(f"\\x{codes[i]:02x}" if i == j else f"\\x{codes[i]:02x}-\\x{codes[j]:02x}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def _trie(words: list[str]) -> str:
    """A regex matching exactly ``words`` (a trie, so matching does not try every word)."""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return emit(tree)


def _value_re(spec: ElementSpec, printable: str, bad: str) -> tuple[str, str] | None:
    """Regexes for a non-empty value ``_check_value`` accepts, and for that or an empty value.

    None when no non-empty value is accepted.
    """
    lo, hi = max(spec.min_len, 1), spec.max_len
    if lo > hi:
        return None
    dtype = spec.dtype
    if dtype == ID and spec.codes is not None:
        codes = sorted(
            c
            for c in spec.codes
            if lo <= len(c) <= hi and c.isprintable() and not any(ch in bad for ch in c) and c.isascii()
        )
        if not codes:
            return None
        pattern = _trie(codes)
    elif dtype in (AN, ID):
        pattern = f"{printable}{{{lo},{hi}}}+"
        if lo == 1:
            return pattern, f"{printable}{{0,{hi}}}+"
    elif dtype == NUM:
        pattern = f"-?[0-9]{{{lo},{hi}}}+"
    elif dtype == REAL:
        # digits with at most one decimal point; neither the point nor the sign is counted.  With a
        # point, the run of digits and points (ended by a separator) is one longer than the digits.
        pattern = f"-?(?:[0-9]{{{lo},{hi}}}+|(?=[0-9.]{{{lo + 1},{hi + 1}}}+(?![0-9.]))[0-9]*+\\.[0-9]*+)"
    else:
        if dtype == DATE:
            alts = [p for n, p in ((8, _DATE8), (6, _DATE6)) if lo <= n <= hi]
        else:
            assert dtype == TIME
            alts = [
                _HHMM + ("" if n == 4 else "[0-5][0-9]" + "[0-9]" * (n - 6))
                for n in (4, 6, 7, 8)
                if lo <= n <= hi
            ]
        if not alts:
            return None
        pattern = "(?:" + "|".join(alts) + ")"
    return pattern, f"(?:{pattern}|)"


def _sequence(first: str, parts: list[tuple[tuple[str, str] | None, bool]], sep: str, end: str) -> str | None:
    """``first`` then ``sep``-separated parts (mandatory or not), then only empty extra parts.

    ``end`` matches where the whole (segment or composite) ends.
    """
    last_mandatory = max((k for k, (_, mandatory) in enumerate(parts) if mandatory), default=-1)
    rest = f"{sep}*"
    for k in range(len(parts) - 1, -1, -1):
        pattern, mandatory = parts[k]
        if mandatory:
            if pattern is None:
                return None
            value = pattern[0]
        else:
            value = "" if pattern is None else pattern[1]
        rest = f"{sep}{value}{rest}"
        if k > last_mandatory:
            rest = f"(?:{rest}|{end})"  # the segment (or composite) may end before this part
    return first + rest


def _segment_re(seg_id: str, specs: tuple[ElementSpec, ...], esep: str, comp: str) -> str | None:
    bad = esep + comp
    printable = _char_class([c for c in map(chr, range(256)) if c.isprintable() and c not in bad])
    not_sep = _char_class([c for c in map(chr, range(256)) if c != esep])
    composite_end = f"(?!{not_sep})"  # the element separator or the end of the segment
    parts: list[tuple[tuple[str, str] | None, bool]] = []
    for spec in specs:
        if spec.components is None:
            parts.append((_value_re(spec, printable, bad), spec.mandatory))
            continue
        comps = [(_value_re(c, printable, bad), c.mandatory) for c in spec.components]
        if not comps:
            parts.append((None, spec.mandatory))
            continue
        head, head_mandatory = comps[0]
        body = None
        if not head_mandatory:
            body = _sequence("" if head is None else head[1], comps[1:], re.escape(comp), composite_end)
        elif head is not None:
            body = _sequence(head[0], comps[1:], re.escape(comp), composite_end)
        if body is None:
            parts.append((None, spec.mandatory))
        else:
            # a present composite has at least one character
            parts.append((((f"(?={not_sep}){body}"), f"(?:{body}|)"), spec.mandatory))
    return _sequence(re.escape(seg_id), parts, re.escape(esep), "\\Z")


_NEVER: Matcher = lambda text: None  # noqa: E731
_FAST: dict[tuple[str, str], dict[SegmentNode, Matcher]] = {}
_FAST_MAX_SEPARATORS = 16


def _fast_table(separators: Separators) -> dict[SegmentNode, Matcher]:
    """The fast tests for these separators (an always-failing one when the separators are unsafe)."""
    esep, comp = separators.element, separators.component
    key = (esep, comp)
    table = _FAST.get(key)
    if table is None:
        if len(_FAST) >= _FAST_MAX_SEPARATORS:
            _FAST.clear()  # separators come from the input: keep the cache bounded
        table = _FAST[key] = {}
    return table


def _safe(esep: str, comp: str) -> bool:
    return (
        len(esep) == 1
        and len(comp) == 1
        and esep != comp
        and esep not in _UNSAFE_SEPARATORS
        and comp not in _UNSAFE_SEPARATORS
        and ord(esep) < 256
        and ord(comp) < 256
    )


def _matcher(table: dict[SegmentNode, Matcher], node: SegmentNode, separators: Separators) -> Matcher:
    esep, comp = separators.element, separators.component
    pattern = _segment_re(node.id, node.spec.elements, esep, comp) if _safe(esep, comp) else None
    m = _NEVER if pattern is None else re.compile(pattern, re.DOTALL).fullmatch
    table[node] = m
    return m


def _missing(
    loop: LoopNode, start: int, stop: int, seg_id: str, position: int, report: _Report | None, ts
) -> _Report | None:
    """Report mandatory children of ``loop`` with index in (start, stop)."""
    for j in loop.mandatory_children:
        if start < j < stop:
            kid = loop.children[j]
            missing_id = kid.first_segment.id if isinstance(kid, LoopNode) else kid.id
            what = f"loop {kid.id}" if isinstance(kid, LoopNode) else "segment"
            report = report or _Report(ts)
            report.segment(
                "x12.segment.mandatory_missing", SEG_MANDATORY_MISSING, _FATAL, missing_id, position, loop.id,
                f"mandatory {what} {missing_id} is missing before {seg_id}",
            )  # fmt: skip
    return report


def _over_max_use(
    node: SegmentNode, seg_id: str, position: int, loop_id: str, report: _Report | None, ts: TransactionSet
) -> _Report:
    report = report or _Report(ts)
    report.segment(
        "x12.segment.over_max_use", SEG_OVER_MAX_USE, _ERROR, seg_id, position, loop_id,
        f"segment {seg_id} used more than {node.max_use} times",
    )  # fmt: skip
    return report


def _unplaced(seg_id: str, definition: SetDefinition) -> tuple[str, str, str]:
    if seg_id in definition.segment_ids:
        return "x12.segment.out_of_sequence", SEG_OUT_OF_SEQUENCE, "is not in its proper sequence"
    if seg_id in known_segment_ids():
        return "x12.segment.unexpected", SEG_UNEXPECTED, "is not expected in this transaction set"
    if (
        2 <= len(seg_id) <= 3
        and seg_id.isascii()
        and seg_id.isalnum()
        and seg_id.isupper()
        and seg_id[0].isalpha()
    ):
        return "x12.segment.not_in_set", SEG_NOT_IN_SET, "is not defined in this transaction set"
    return "x12.segment.unrecognized", SEG_UNRECOGNIZED, "is not a recognized segment id"


def _find(path: Sequence[tuple[LoopNode, int]], seg_id: str) -> tuple[int, int]:
    """Where ``seg_id`` has its place from the walk position ``path``: (level, child index).

    Searches this level forward, then the parent loops; the child index is -1 when it has no
    place.  The trigger segment of the current loop is a new occurrence of that loop: it is
    placed at the loop's own position in its parent.
    """
    depth = d = len(path) - 1
    found = path[d][0].step[path[d][1]].get(seg_id, -1)
    while found < 0 and d:
        d -= 1
        found = path[d][0].step[path[d][1]].get(seg_id, -1)
    if found == 0 and d == depth and d > 0:
        d -= 1
        found = path[d][1]
    return d, found


def _leave(
    loops: list[LoopNode],
    idxs: list[int],
    level: int,
    what: str,
    position: int,
    report: _Report | None,
    ts: TransactionSet,
) -> _Report | None:
    """Close the loops open below ``level``, innermost first, reporting mandatory children never reached."""
    for depth in range(len(loops) - 1, level, -1):
        loop = loops[depth]
        if loop.last_mandatory > idxs[depth]:
            report = _missing(loop, idxs[depth], len(loop.children), what, position, report, ts)
    del loops[level + 1 :], idxs[level + 1 :]
    return report


class _Move:
    """Where a segment id leads from a walk position when the move itself reports nothing.

    ``up`` loops are left (none of them misses a mandatory child), then the segment lands
    at its level: a repeat of the child there (``repeat``: counted against ``limit``, the
    segment's max use or, when it ``enter``s a loop, the loop's repeat) or a child further
    on with no mandatory one skipped; ``enter`` when that child is a loop.  ``node`` is the
    segment's definition and ``to`` the position after it.
    """

    __slots__ = ("bound", "enter", "limit", "loop_id", "node", "repeat", "to", "up")

    def __init__(self, up: int, repeat: bool, enter: bool, limit: int, node: SegmentNode, to: WalkPosition):
        self.up = up
        self.repeat = repeat
        self.enter = enter
        self.limit = limit
        self.node = node
        self.to = to
        self.loop_id = to.loop.id
        # (fast table, the node's clean-segment test in it) for the separators last met; one
        # attribute, so that threads sharing the move never see a test with another table
        self.bound: tuple[dict[SegmentNode, Matcher] | None, Matcher] = (None, _NEVER)

    def bind(self, table: dict[SegmentNode, Matcher], separators: Separators) -> Matcher:
        chk = table.get(self.node) or _matcher(table, self.node, separators)
        self.bound = (table, chk)
        return chk


def _move(at: WalkPosition, seg_id: str) -> _Move | None:
    """The move for ``seg_id`` from ``at`` (memoized), None when the general walk must place it.

    The same search as ``_place`` over the loops open at ``at``; only the segment ids that
    have a place are memoized, so the memo is bounded by the definition.
    """
    path = at.path
    d, found = _find(path, seg_id)
    if found < 0:
        return None
    depth = len(path) - 1
    move: _Move | None = None
    loop, cur = path[d]
    if all(ln.last_mandatory <= i for ln, i in path[d + 1 :]) and (
        found == cur or loop.next_mandatory[cur] >= found
    ):
        node = loop.children[found]
        if type(node) is LoopNode:
            first = node.children[0]
            assert isinstance(first, SegmentNode)
            move = _Move(depth - d, found == cur, True, node.repeat, first, node.positions[0])
        else:
            assert isinstance(node, SegmentNode)
            move = _Move(depth - d, found == cur, False, node.max_use, node, loop.positions[found])
    at.moves[seg_id] = move
    return move


def _over_limit(mv: _Move, seg_id: str, position: int, report: _Report | None, ts: TransactionSet) -> _Report:
    if not mv.enter:
        return _over_max_use(mv.node, seg_id, position, mv.loop_id, report, ts)
    report = report or _Report(ts)
    report.segment(
        "x12.segment.loop_over_max", SEG_LOOP_OVER_MAX, _ERROR, seg_id, position, mv.loop_id,
        f"loop {mv.loop_id} occurs more than {mv.limit} times",
    )  # fmt: skip
    return report


def _place(
    seg_id: str,
    position: int,
    loops: list[LoopNode],
    idxs: list[int],
    counts: list[int],
    definition: SetDefinition,
    report: _Report | None,
    ts: TransactionSet,
) -> tuple[SegmentNode | None, _Report | None]:
    """The general walk for one segment: its node (None when it has no place) and the report.

    Searches this level forward, then the parent loops; pops the loops it leaves (reporting
    their mandatory children never reached), counts repeats, reports a mandatory child
    skipped, and enters a loop on its trigger.  ``loops``, ``idxs`` and ``counts`` (one
    entry per open loop) are updated.
    """
    d, found = _find(tuple(zip(loops, idxs, strict=True)), seg_id)
    if found < 0:
        code, ack, text = _unplaced(seg_id, definition)
        report = report or _Report(ts)
        report.segment(code, ack, _FATAL, seg_id, position, loops[-1].id, f"segment {seg_id} {text}")
        return None, report
    left = len(loops) - 1 - d
    report = _leave(loops, idxs, d, seg_id, position, report, ts)
    if left:
        del counts[-left:]
    loop = loops[d]
    node = loop.children[found]
    cur = idxs[d]
    is_loop = type(node) is LoopNode
    if found == cur:
        n = counts[d] + 1
        counts[d] = n
        if is_loop:
            if n > node.repeat:  # type: ignore[union-attr]
                report = report or _Report(ts)
                report.segment(
                    "x12.segment.loop_over_max", SEG_LOOP_OVER_MAX, _ERROR, seg_id, position, node.id,
                    f"loop {node.id} occurs more than {node.repeat} times",  # type: ignore[union-attr]
                )  # fmt: skip
        elif n > node.max_use:  # type: ignore[union-attr]
            report = _over_max_use(node, seg_id, position, loop.id, report, ts)  # type: ignore[arg-type]
    else:
        if loop.next_mandatory[cur] < found:  # a mandatory child was skipped
            report = _missing(loop, cur, found, seg_id, position, report, ts)
        idxs[d] = found
        counts[d] = 1
    if is_loop:
        loops.append(node)  # type: ignore[arg-type]
        idxs.append(0)
        counts.append(1)
        node = node.children[0]  # type: ignore[union-attr]
    return node, report  # type: ignore[return-value]


def validate_set(ts: TransactionSet, definition: SetDefinition, separators: Separators) -> list[Diagnostic]:
    """Check structure and element syntax of ``ts``; returns new diagnostics (empty when clean)."""
    segments = ts.segments
    if not segments:
        return []
    comp = separators.component
    esep = separators.element
    report: _Report | None = None
    root = definition.root
    # the fast clean-segment test runs on each segment's text; _check_segment only on those it rejects.
    # The reader's text of a segment is what joining it back gives (when split on this esep); a joined
    # text that does not split back into the same elements is replaced by "", which no test accepts.
    fast = _fast_table(separators)
    texts = ts.segment_texts
    if texts is None or len(texts) != len(segments) or ts.interchange.separators.element != esep:
        texts = [t if t.count(esep) == len(s) - 1 else "" for s in segments for t in (esep.join(s),)]
    st = root.children[0]
    assert isinstance(st, SegmentNode)
    chk = fast.get(st) or _matcher(fast, st, separators)
    if chk(texts[0]) is None:
        report = _check_segment(segments[0], st, 1, root.id, comp, report, ts)
    # walk state: the position reached, and the count of the child there and at each enclosing level
    at = root.positions[0]
    moves = at.moves
    counts: list[int] = [1]
    position = 1
    for seg, text in zip(islice(segments, 1, None), islice(texts, 1, None), strict=True):
        position += 1
        seg_id = seg[0]
        mv = moves.get(seg_id, False)
        if mv is False:
            mv = _move(at, seg_id)
        if mv is not None:
            up = mv.up
            if up:
                del counts[-up:]
            if mv.repeat:
                n = counts[-1] + 1
                counts[-1] = n
                if n > mv.limit:
                    report = _over_limit(mv, seg_id, position, report, ts)
            else:
                counts[-1] = 1
            if mv.enter:
                counts.append(1)
            at = mv.to
            moves = at.moves
            table, chk = mv.bound
            if table is not fast:
                chk = mv.bind(fast, separators)
            if chk(text) is None:
                report = _check_segment(seg, mv.node, position, mv.loop_id, comp, report, ts)
        else:
            # a move with a finding to report, or no place at all: the general walk
            loops = [ln for ln, _ in at.path]
            idxs = [i for _, i in at.path]
            placed, report = _place(seg_id, position, loops, idxs, counts, definition, report, ts)
            at = loops[-1].positions[idxs[-1]]
            if placed is None:
                moves = at.moves
                continue
            moves = at.moves
            chk = fast.get(placed) or _matcher(fast, placed, separators)
            if chk(text) is None:
                report = _check_segment(seg, placed, position, at.loop.id, comp, report, ts)
    if segments[-1][0] != "SE":
        # no trailer: still report mandatory segments never reached (SE itself is the envelope's finding)
        loops = [ln for ln, _ in at.path]
        idxs = [i for _, i in at.path]
        report = _leave(loops, idxs, 0, "end of set", position, report, ts)
        report = _missing(root, idxs[0], len(root.children) - 1, "end of set", position, report, ts)
    if report is None:
        return []
    diags = report.diagnostics
    if any(dg.level is Level.SEGMENT or dg.level is Level.ELEMENT for dg in diags):
        severity = _FATAL if any(dg.severity is _FATAL for dg in diags) else _ERROR
        diags.append(
            Diagnostic(
                code="x12.set.segments_in_error",
                message=f"{ts.set_id} {ts.control}: one or more segments in error",
                severity=severity,
                level=Level.SET,
                location=Location(
                    interchange=ts.interchange.control if ts.interchange else None,
                    group=ts.group.control if ts.group else None,
                    set_control=ts.control,
                    set_id=ts.set_id,
                ),
                ack=AckCodes(set="5"),
            )
        )
    return diags
