"""Our validator vs pyx12 (with our maps) on the same generated 850 bytes.

Usage: python bench/bench_validator_paths.py [--pos 1000] [--lines 20] [--skip-pyx12]
"""

from __future__ import annotations

import argparse
import io
import time

from parsers.x12.dictionary import MAPS_DIR, get_definition
from parsers.x12.structure import GroupHeader, InterchangeHeader, Separators, TransactionSet
from parsers.x12.validator import validate_set

SEP = Separators(element="*", component=":", segment="~", repetition="^")


def make_850(pos: int, lines: int, version: str = "004010") -> bytes:
    """An interchange of ``pos`` 850s with ``lines`` PO1+PID lines each."""
    icvn = "00501" if version.startswith("005") else "00401"
    isa11 = "^" if icvn == "00501" else "U"
    out = [
        f"ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *240101*1200*{isa11}*{icvn}"
        "*000000001*0*P*:~",
        f"GS*PO*BUYER*SELLER*20240101*1200*1*X*{version}~",
    ]
    for n in range(1, pos + 1):
        seg = [
            f"ST*850*{n:04d}",
            f"BEG*00*SA*PO{n:08d}**20240115",
            "REF*DP*038",
            "DTM*002*20240201",
            "N1*ST*STORE 123*92*0123",
            "N3*100 MAIN STREET",
            "N4*SPRINGFIELD*IL*62701*US",
        ]
        for i in range(1, lines + 1):
            seg.append(
                f"PO1*{i}*{i * 3}*EA*{i}.25*PE*VN*ITEM-{i:06d}*UP*0{i:011d}*BP*BUYER-PART-{n:06d}-{i:04d}"
            )
            seg.append(f"PID*F****WIDGET NUMBER {i} BLUE LARGE, STAINLESS STEEL HOUSING")
        seg.append(f"CTT*{lines}")
        seg.append(f"SE*{len(seg) + 1}*{n:04d}")
        out.extend(s + "~" for s in seg)
    out.append(f"GE*{pos}*1~")
    out.append("IEA*1*000000001~")
    return "\n".join(out).encode()


def split_sets(data: bytes) -> list[TransactionSet]:
    """Minimal splitter for the generated file (the real reader lives in parsers.x12.reader)."""
    text = data.decode()
    segs = [s.strip().split("*") for s in text.split("~") if s.strip()]
    isa = segs[0]
    gs = segs[1]
    ih = InterchangeHeader(isa, SEP, isa[13], isa[5], isa[6], isa[7], isa[8], isa[9], isa[10], isa[12],
                           isa[14], isa[15])  # fmt: skip
    gh = GroupHeader(gs, gs[1], gs[2], gs[3], gs[4], gs[5], gs[6], gs[7], gs[8])
    sets: list[TransactionSet] = []
    cur: list[list[str]] = []
    for s in segs[2:]:
        if s[0] == "ST":
            cur = [s]
        elif s[0] == "SE":
            cur.append(s)
            sets.append(TransactionSet(ih, gh, cur[0][1], cur[0][2], cur))
            cur = []
        elif cur:
            cur.append(s)
    return sets


def bench_ours(data: bytes) -> float:
    sets = split_sets(data)
    definition = get_definition("850", sets[0].group.version)
    assert definition is not None
    t0 = time.perf_counter()
    for ts in sets:
        diags = validate_set(ts, definition, SEP)
        assert not diags, diags
    return time.perf_counter() - t0


def bench_pyx12(data: bytes) -> tuple[float, float]:
    import pyx12.map_if
    import pyx12.params
    import pyx12.x12n_document

    params = pyx12.params.params()
    t0 = time.perf_counter()
    pyx12.map_if.load_map_file("850.4010.xml", params, str(MAPS_DIR))
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    ok = pyx12.x12n_document.x12n_document(
        params, io.StringIO(data.decode()), io.StringIO(), None, map_path=str(MAPS_DIR)
    )
    total = time.perf_counter() - t0
    assert ok, "pyx12 rejected the generated file"
    return total, load


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pos", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=20)
    ap.add_argument("--skip-pyx12", action="store_true")
    args = ap.parse_args()
    data = make_850(args.pos, args.lines)
    mb = len(data) / 1e6
    ours = bench_ours(data)
    print(f"input: {args.pos} POs x {args.lines} lines, {mb:.2f} MB")
    print(f"{'path':<34}{'seconds':>10}{'MB/s':>10}")
    print(f"{'ordergate validate_set':<34}{ours:>10.3f}{mb / ours:>10.2f}")
    if not args.skip_pyx12:
        total, load = bench_pyx12(data)
        print(f"{'pyx12 x12n_document (our maps)':<34}{total:>10.3f}{mb / total:>10.2f}")
        print(f"{'pyx12 map load (one call)':<34}{load:>10.3f}{'':>10}")


if __name__ == "__main__":
    main()
