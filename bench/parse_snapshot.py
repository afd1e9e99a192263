"""Snapshot of everything ``parse_stream`` reports, to check that a speed-up changed nothing.

Writes one JSON line per (file, variant, validate on/off): every event with its
diagnostics and every canonical document, as JSON.  The inputs are the X12
files of a corpus directory, ``tests/fixtures/x12`` and ``gateway/samples/x12``,
each as is and in ``--mutations`` seeded variants (segments dropped, repeated,
swapped or appended to, elements changed, foreign segments inserted; SE counts
fixed up in most, so that validation runs).  Run it before and after a change
and compare the two files byte for byte:

    .venv/bin/python bench/parse_snapshot.py -o /tmp/before.jsonl
    ... change ...
    .venv/bin/python bench/parse_snapshot.py -o /tmp/after.jsonl && cmp /tmp/before.jsonl /tmp/after.jsonl
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gateway.domain.serialize import to_json  # noqa: E402
from parsers.x12.process import ParsedSet, parse_stream  # noqa: E402

# segments put into the variants: valid, invalid and foreign ones
EXTRA = [
    "ZZZ*1*2", "PO1*9*1*EA*1.00", "PID*F****X", "PO4*1", "N1*ST*X", "DTM*002*20240230", "REF*ZZ", "CTT*1",
    "SAC*A*C310***100", "MSG*HELLO", "N9*ZZ*1", "PO1*1*-2*EA*1.5*PE*UP*1", "PO4*A*1*EA", "PID*F****\u00e9",
    "TD5*****X", "NTE*GEN*NOTE", "AMT*TT*12.5", "N1*BT*Y*92*1", "N3*A", "N4*C*ST*1*US", "PER*BD*X*TE*1",
    "ITD*01*3*2**30", "CUR*BY*USD", "BEG*00*SA*P1**20240101", "PO1*1*1*EA*1*PE*UP*1*VP*2*BP*3*EN*4", "PO1**1*EA",
    "PO1*1**EA*1", "PO1*1*1*EA*1.2.3", "PO4*1*2*EA**********3", "DTM*002", "PO1*1*1*EA*1*PE*UP",
]  # fmt: skip
VALUES = ["", "X", "123", "-1", "1.5", "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2, "2024", "\x01", ">"]


def dump(data: bytes, validate: bool) -> list:
    out: list = []
    for ev in parse_stream(io.BytesIO(data), validate=validate):
        if isinstance(ev, ParsedSet):
            ts = ev.transaction_set
            doc = to_json(ev.document) if ev.document is not None else None
            out.append(["set", ts.set_id, ts.control, [to_json(d) for d in ts.diagnostics], doc])
        else:
            out.append([type(ev).__name__, [to_json(d) for d in ev.diagnostics]])
    return out


def mutate(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("latin-1")
    i = text.find("ISA")
    if i < 0 or len(text) < i + 106:
        return data
    term, esep = text[i + 105], text[i + 3]
    segs = text.split(term)
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(len(segs))
        op = rng.randrange(7)
        s = segs[k]
        if s.strip()[:3] in ("ISA", "IEA", "GS" + esep, "GE" + esep):
            continue
        if op == 0:
            del segs[k]
        elif op == 1:
            segs.insert(k, s)
        elif op == 2 and k + 1 < len(segs):
            segs[k], segs[k + 1] = segs[k + 1], segs[k]
        elif op == 3:
            els = s.split(esep)
            if len(els) > 1:
                j = rng.randrange(1, len(els))
                els[j] = rng.choice([*VALUES, els[j] + "9"])
                segs[k] = esep.join(els)
        elif op == 4:
            segs.insert(k, "\n" + rng.choice(EXTRA).replace("*", esep))
        elif op == 5:
            segs[k] = s + esep
        else:
            for _ in range(rng.randint(2, 6)):
                segs.insert(k, s)
    if rng.random() < 0.8:  # fix up SE01 so that the set is validated
        st = None
        for k, s in enumerate(segs):
            t = s.strip()
            if t.startswith("ST" + esep):
                st = k
            elif t.startswith("SE" + esep) and st is not None:
                els = s.split(esep)
                els[1] = str(k - st + 1)
                segs[k] = esep.join(els)
                st = None
    return term.join(segs).encode("latin-1")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--corpus", default="/work/shared/corpus", help="directory whose x12-*/ files are read")
    p.add_argument("--mutations", type=int, default=60, help="seeded variants per file")
    p.add_argument("--seed", type=int, default=12345)
    args = p.parse_args(argv)
    files = sorted(Path(args.corpus).glob("x12-*/*"))
    files += sorted((ROOT / "tests/fixtures/x12").glob("*")) + sorted(
        (ROOT / "gateway/samples/x12").glob("*")
    )
    rng = random.Random(args.seed)
    n = 0
    with open(args.output, "w") as out:
        for f in files:
            data = f.read_bytes()
            for vi, v in enumerate([data] + [mutate(data, rng) for _ in range(args.mutations)]):
                for validate in (True, False):
                    try:
                        res: list = dump(v, validate)
                    except Exception as exc:  # a crash is part of the snapshot too
                        res = ["EXC", type(exc).__name__, str(exc)]
                    out.write(json.dumps([f.name, vi, validate, res], default=str, sort_keys=True) + "\n")
                    n += 1
    print(f"{n} records from {len(files)} files to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
