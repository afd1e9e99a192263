"""Generate X12 4010 850 purchase-order interchanges for benchmarks.

Each purchase order is a realistic 850: BEG, CUR, REF (x2), PER, FOB, ITD,
DTM (x2), ship-to and bill-to N1/N3/N4 loops, then ``lines`` PO1 loops (PO1
with UP/VP/BP product ids, PID, PO4) and the CTT/AMT summary.  Segment counts
(SE01), set counts (GE01) and group counts (IEA01) are correct, and control
numbers match their trailers.

Output is written as it is generated, one purchase order at a time, so a file
of any size (``--size 1G``) is written in bounded memory.  Purchase orders are
packed ``--sets-per-interchange`` to an interchange (one functional group
each); values are pseudo-random but reproducible from ``--seed``.

    python bench/gen_850.py --pos 1000 -o /tmp/po_1k.x12
    python bench/gen_850.py --size 1G -o /tmp/po_1g.x12
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from typing import BinaryIO

SENDER = "ACMERETAIL"
RECEIVER = "WIDGETSUPPLY"
UNITS = ("EA", "EA", "EA", "CA", "BX", "DZ", "PK")
ADJECTIVES = ("BLUE", "RED", "STEEL", "COTTON", "LARGE", "SMALL", "ORGANIC", "DELUXE", "PLAIN", "WIDE")
NOUNS = ("WIDGET", "BRACKET", "T-SHIRT", "MUG", "LAMP", "CABLE", "HINGE", "NOTEBOOK", "BOTTLE", "GASKET")
STORES = (
    ("SPRINGFIELD", "IL", "62701"),
    ("COLUMBUS", "OH", "43215"),
    ("AUSTIN", "TX", "78701"),
    ("PORTLAND", "OR", "97204"),
    ("ALBANY", "NY", "12207"),
)


@dataclass(slots=True)
class Stats:
    bytes: int = 0
    interchanges: int = 0
    pos: int = 0
    lines: int = 0
    segments: int = 0


def upc_a(body11: int) -> str:
    """A 12-digit UPC-A with a valid check digit."""
    digits = f"{body11:011d}"
    odd = sum(int(d) for d in digits[0::2])
    even = sum(int(d) for d in digits[1::2])
    check = (10 - (odd * 3 + even) % 10) % 10
    return digits + str(check)


def isa(control: int, sender: str, receiver: str, date6: str, time4: str, term: str) -> str:
    # fixed width: 106 characters including the terminator
    seg = (
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{sender:<15}*ZZ*{receiver:<15}*{date6}*{time4}"
        f"*U*00401*{control:09d}*0*P*>"
    )
    assert len(seg) == 105, len(seg)
    return seg + term


class Generator:
    def __init__(self, *, lines: int = 20, seed: int = 850, newline: bool = True) -> None:
        self.lines = lines
        self.rng = random.Random(seed)
        self.term = "~\n" if newline else "~"
        # a small catalogue so products repeat across orders, as they do in real traffic
        rng = self.rng
        self.catalogue = [
            (
                upc_a(rng.randrange(10**10, 10**11)),
                f"VP-{rng.randrange(100000, 999999)}",
                f"BP{rng.randrange(1000000, 9999999)}",
                f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.randrange(1, 99)}",
                rng.randrange(99, 25000),  # unit price in cents
            )
            for _ in range(5000)
        ]

    def purchase_order(self, set_control: str, po_seq: int) -> tuple[str, int]:
        """One ST..SE; returns the text and its segment count."""
        rng = self.rng
        t = self.term
        month = rng.randrange(1, 13)
        day = rng.randrange(1, 28)
        po_date = f"2024{month:02d}{day:02d}"
        ship = f"2024{month:02d}{day + 1:02d}"
        deliver = f"2024{month:02d}{day + 2:02d}"
        store = rng.randrange(1, 999)
        city, state, zipc = STORES[store % len(STORES)]
        segs = [
            f"ST*850*{set_control}",
            f"BEG*00*SA*PO{po_seq:09d}**{po_date}",
            "CUR*BY*USD",
            f"REF*DP*{rng.randrange(1, 99):03d}",
            f"REF*IA*{rng.randrange(10000, 99999)}",
            "PER*BD*JANE BUYER*TE*5555550100*EM*BUYER@ACME.EXAMPLE",
            "FOB*PP*OR*SHIPPING POINT",
            "ITD*01*3*2**30**45*****2% 30 NET 45",
            f"DTM*002*{deliver}",
            f"DTM*010*{ship}",
            f"N1*ST*ACME STORE {store:04d}*92*{store:04d}",
            f"N3*{rng.randrange(10, 9999)} MAIN ST*SUITE {rng.randrange(1, 400)}",
            f"N4*{city}*{state}*{zipc}*US",
            "N1*BT*ACME RETAIL CORP*92*0001",
            "N3*PO BOX 1000",
            "N4*CHICAGO*IL*60601*US",
        ]
        hash_total = 0
        amount_cents = 0
        catalogue = self.catalogue
        for n in range(1, self.lines + 1):
            upc, vp, bp, desc, cents = catalogue[rng.randrange(len(catalogue))]
            qty = rng.randrange(1, 500)
            unit = UNITS[rng.randrange(len(UNITS))]
            hash_total += qty
            amount_cents += qty * cents
            segs.append(f"PO1*{n}*{qty}*{unit}*{cents // 100}.{cents % 100:02d}*PE*UP*{upc}*VP*{vp}*BP*{bp}")
            segs.append(f"PID*F****{desc}")
            segs.append(f"PO4*{rng.randrange(1, 48)}*1*EA")
        segs.append(f"CTT*{self.lines}*{hash_total}")
        segs.append(f"AMT*TT*{amount_cents // 100}.{amount_cents % 100:02d}")
        count = len(segs) + 1
        segs.append(f"SE*{count}*{set_control}")
        return t.join(segs) + t, count


def write(
    out: BinaryIO,
    *,
    pos: int | None = None,
    size: int | None = None,
    lines: int = 20,
    sets_per_interchange: int = 500,
    seed: int = 850,
    newline: bool = True,
) -> Stats:
    """Write ``pos`` purchase orders, or interchanges until ``size`` bytes are written."""
    if (pos is None) == (size is None):
        raise ValueError("give exactly one of pos and size")
    gen = Generator(lines=lines, seed=seed, newline=newline)
    t = gen.term
    st = Stats()
    control = 0
    while (pos is not None and st.pos < pos) or (size is not None and st.bytes < size):
        control += 1
        n_sets = sets_per_interchange if pos is None else min(sets_per_interchange, pos - st.pos)
        head = isa(control, SENDER, RECEIVER, "240115", "1200", t) + (
            f"GS*PO*{SENDER}*{RECEIVER}*20240115*1200*{control}*X*004010{t}"
        )
        data = head.encode("ascii")
        out.write(data)
        st.bytes += len(data)
        for k in range(1, n_sets + 1):
            text, count = gen.purchase_order(f"{k:04d}", st.pos + 1)
            data = text.encode("ascii")
            out.write(data)
            st.bytes += len(data)
            st.segments += count
            st.pos += 1
            st.lines += lines
        data = f"GE*{n_sets}*{control}{t}IEA*1*{control:09d}{t}".encode("ascii")
        out.write(data)
        st.bytes += len(data)
        st.segments += 4
        st.interchanges += 1
    return st


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B")
    mult = {"K": 10**3, "M": 10**6, "G": 10**9}
    if text and text[-1] in mult:
        return int(float(text[:-1]) * mult[text[-1]])
    return int(text)


def generate_file(path: str, **kw: object) -> Stats:
    with open(path, "wb", buffering=1 << 20) as fh:
        return write(fh, **kw)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--pos", type=int, help="number of purchase orders")
    what.add_argument("--size", type=parse_size, help="approximate file size, e.g. 50M, 1G")
    p.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    p.add_argument("--lines", type=int, default=20, help="PO1 lines per order (default 20)")
    p.add_argument("--sets-per-interchange", type=int, default=500, help="orders per interchange (500)")
    p.add_argument("--seed", type=int, default=850)
    p.add_argument("--no-newline", action="store_true", help="no line break after each segment terminator")
    args = p.parse_args(argv)
    kw = dict(
        pos=args.pos,
        size=args.size,
        lines=args.lines,
        sets_per_interchange=args.sets_per_interchange,
        seed=args.seed,
        newline=not args.no_newline,
    )
    t0 = time.perf_counter()
    out = sys.stdout.buffer if args.output == "-" else None
    st = write(out, **kw) if out is not None else generate_file(args.output, **kw)  # type: ignore[arg-type]
    dt = time.perf_counter() - t0
    print(
        f"wrote {st.bytes:,} bytes: {st.interchanges} interchanges, {st.pos:,} POs, {st.lines:,} lines, "
        f"{st.segments:,} segments in {dt:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
