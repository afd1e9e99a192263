"""X12 850 parse benchmark: our path against a pure-Python floor and pyx12.

Generates 850 interchanges with ``bench/gen_850.py`` (1,000 and 10,000
purchase orders of 20 PO1 lines by default) and measures, over the same bytes:

  a      floor: one streaming pass in 1 MiB chunks, split on the segment
         terminator and element separator, PO1 lines walked into per-line
         dicts (qty, unit, price, product ids), one ST..SE at a time
  b      pyx12 ``X12Reader`` iterating every segment
  c      ours: ``parsers.x12.process.parse_stream(fh)`` (tokenize, envelope
         checks, validation, canonical POs with Decimal)
  c0     ours without validation: ``parse_stream(fh, validate=False)``
  d      our reader alone: ``parsers.x12.reader.read_events``

Every run of every path is a fresh subprocess (``--worker``), so peak RSS
(``ru_maxrss`` at the end of the run) is that path's alone; the time is
measured inside the worker around the parse (imports excluded) and the best of
``--runs`` is kept.  The files are read warm from the page cache (they were
just written).  MB is 10^6 bytes.

    .venv/bin/python bench/bench_parse.py                  # 1k and 10k POs, all paths
    .venv/bin/python bench/bench_parse.py --big            # also ~1 GB through path c (RSS)
    .venv/bin/python bench/bench_parse.py --profile c      # cProfile of path c on the largest file
    .venv/bin/python bench/bench_parse.py --breakdown      # path c: reader / validator / mapper times
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(Path(__file__).resolve().parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

CHUNK = 1 << 20

PATHS = {
    "a": "a  floor (split + PO1 dicts)",
    "b": "b  pyx12 X12Reader",
    "c": "c  ours parse_stream",
    "c0": "c' ours parse_stream(validate=False)",
    "d": "d  ours read_events",
}


# --------------------------------------------------------------------------- paths
def run_floor(path: str) -> dict:
    """The fastest honest pure-Python pass: every element split, PO1 lines into dicts."""
    pos = lines = segments = bad_counts = 0
    with open(path, "rb") as fh:
        buf = fh.read(CHUNK).decode("latin-1")
        i = buf.find("ISA")
        esep = buf[i + 3]
        term = buf[i + 105]
        current: list[list[str]] | None = None
        while True:
            parts = buf.split(term)
            buf = parts.pop()  # the incomplete tail waits for the next chunk
            for raw in parts:
                seg = raw.lstrip().split(esep)
                tag = seg[0]
                segments += 1
                if current is not None:
                    current.append(seg)
                    if tag == "SE":
                        # one ST..SE: walk it into a PO with per-line dicts
                        po_lines = []
                        po_number = None
                        for s in current:
                            t = s[0]
                            if t == "PO1":
                                n = len(s)
                                ids = {s[k]: s[k + 1] for k in range(6, n - 1, 2)}
                                po_lines.append(
                                    {
                                        "line": s[1],
                                        "qty": s[2],
                                        "unit": s[3],
                                        "price": s[4],
                                        "basis": s[5] if n > 5 else "",
                                        "ids": ids,
                                    }
                                )
                            elif t == "BEG":
                                po_number = s[3]
                        if int(seg[1]) != len(current):
                            bad_counts += 1
                        if po_number is not None:
                            pos += 1
                            lines += len(po_lines)
                        current = None
                elif tag == "ST":
                    current = [seg]
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            buf += chunk.decode("latin-1")
    return {"pos": pos, "lines": lines, "segments": segments, "problems": {"se_count": bad_counts}}


def run_pyx12(path: str) -> dict:
    from pyx12.x12file import X12Reader

    sets = lines = segments = 0
    with open(path, encoding="latin-1") as fh:
        reader = X12Reader(fh)
        for seg in reader:
            segments += 1
            tag = seg.get_seg_id()
            if tag == "PO1":
                lines += 1
            elif tag == "ST":
                sets += 1
        reader.cleanup()
        errors = Counter(f"{e[0]}:{e[1]}" for e in reader.pop_errors())
    return {"pos": sets, "lines": lines, "segments": segments, "problems": dict(errors)}


def run_ours(path: str, validate: bool) -> dict:
    with open(path, "rb") as fh:
        return _ours_over(fh, validate)


def _ours_over(fh: BinaryIO, validate: bool) -> dict:
    from parsers.x12.process import ParsedSet, parse_stream

    pos = lines = sets = 0
    diags: Counter[str] = Counter()
    for ev in parse_stream(fh, validate=validate):
        if isinstance(ev, ParsedSet):
            sets += 1
            for d in ev.transaction_set.diagnostics:
                diags[d.code] += 1
            doc = ev.document
            if doc is not None:
                pos += 1
                lines += len(doc.lines)
        else:
            for d in ev.diagnostics:
                diags[d.code] += 1
    return {"pos": pos, "lines": lines, "sets": sets, "problems": dict(diags)}


def run_reader(path: str) -> dict:
    from parsers.x12.reader import read_events
    from parsers.x12.structure import TransactionSet

    sets = lines = segments = 0
    diags: Counter[str] = Counter()
    with open(path, "rb") as fh:
        for ev in read_events(fh):
            for d in ev.diagnostics:
                diags[d.code] += 1
            if isinstance(ev, TransactionSet):
                sets += 1
                segments += len(ev.segments)
                lines += sum(1 for s in ev.segments if s[0] == "PO1")
    return {"pos": sets, "lines": lines, "segments": segments, "problems": dict(diags)}


def run_breakdown(path: str) -> dict:
    """Path c taken apart: time in the reader, the validator and the 850 mapper (no profiler)."""
    from parsers.x12.dictionary import get_definition
    from parsers.x12.po850 import read_850
    from parsers.x12.reader import read_events
    from parsers.x12.structure import TransactionSet
    from parsers.x12.validator import validate_set

    pc = time.perf_counter
    t_read = t_val = t_map = 0.0
    pos = lines = 0
    with open(path, "rb") as fh:
        t = pc()
        for ev in read_events(fh):
            t1 = pc()
            t_read += t1 - t
            if isinstance(ev, TransactionSet):
                definition = get_definition(ev.set_id, ev.group.version if ev.group else "")
                validate_set(ev, definition, ev.interchange.separators)
                t2 = pc()
                t_val += t2 - t1
                doc, _ctx = read_850(ev)
                t = pc()
                t_map += t - t2
                if doc is not None:
                    pos += 1
                    lines += len(doc.lines)
            else:
                t = pc()
    return {
        "pos": pos,
        "lines": lines,
        "problems": {},
        "stages": {"reader": t_read, "validator": t_val, "mapper (read_850)": t_map},
    }


def _install_validator_stub() -> None:
    """Development only: stand-ins for the validator modules so ``process`` imports (c0 only)."""
    import types

    for name, attrs in (
        ("parsers.x12.dictionary", {"get_definition": lambda set_id, version: None}),
        ("parsers.x12.validator", {"validate_set": lambda ts, definition, seps: []}),
    ):
        if importlib.util.find_spec(name) is None:
            mod = types.ModuleType(name)
            mod.__dict__.update(attrs)
            sys.modules[name] = mod


def worker(path: str, which: str, profile: bool, stub: bool) -> None:
    if stub:
        _install_validator_stub()
    fns = {
        "a": lambda: run_floor(path),
        "b": lambda: run_pyx12(path),
        "c": lambda: run_ours(path, True),
        "c0": lambda: run_ours(path, False),
        "d": lambda: run_reader(path),
        "breakdown": lambda: run_breakdown(path),
    }
    fn = fns[which]
    warmup = 0.0
    # import what the path needs before the clock starts
    if which == "b":
        import pyx12.x12file  # noqa: F401
    elif which in ("c", "c0", "breakdown"):
        # one-time work (compiling the X12 maps, caches) happens on a one-PO warm-up,
        # timed separately: a gateway process pays it once, not per file
        import io

        import gen_850

        warm = io.BytesIO()
        gen_850.write(warm, pos=1)
        t0 = time.perf_counter()
        _ours_over(io.BytesIO(warm.getvalue()), which != "c0")
        warmup = time.perf_counter() - t0
    elif which == "d":
        import parsers.x12.reader  # noqa: F401
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        t0, c0 = time.perf_counter(), time.process_time()
        prof.enable()
        result = fn()
        prof.disable()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        st = pstats.Stats(prof, stream=sys.stderr)
        st.sort_stats("tottime").print_stats(30)
        st.sort_stats("cumulative").print_stats(30)
    else:
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result.update(seconds=dt, cpu_seconds=cpu, rss_base_kb=base, rss_peak_kb=peak, warmup_seconds=warmup)
    print(json.dumps(result))


# --------------------------------------------------------------------------- driver
def spawn(path: Path, which: str, *, profile: bool = False, stub: bool = False) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(path), "--path", which]
    if profile:
        cmd.append("--worker-profile")
    if stub:
        cmd.append("--stub-validator")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if profile:
        sys.stdout.write(proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {which} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(path: Path, which: str, runs: int, stub: bool) -> dict:
    return measure_all(path, [which], runs, stub)[which]


def measure_all(path: Path, paths: list[str], runs: int, stub: bool) -> dict[str, dict]:
    """``runs`` rounds, each running every path once in turn (so load that comes and goes on a shared
    machine falls on all of them alike); per path the run with the best wall time, with the best CPU
    time of any of its runs."""
    results: dict[str, list[dict]] = {which: [] for which in paths}
    for _ in range(runs):
        for which in paths:
            results[which].append(spawn(path, which, stub=stub))
    out = {}
    for which, rs in results.items():
        best = dict(min(rs, key=lambda r: r["seconds"]))
        best["cpu_seconds"] = min(r["cpu_seconds"] for r in rs)
        best["rss_peak_kb"] = max(r["rss_peak_kb"] for r in rs)
        best["rss_base_kb"] = min(r["rss_base_kb"] for r in rs)
        best["all_seconds"] = [round(r["seconds"], 4) for r in rs]
        out[which] = best
    return out


def validator_ready() -> bool:
    return all(
        importlib.util.find_spec(m) is not None for m in ("parsers.x12.validator", "parsers.x12.dictionary")
    )


def fmt_table(size: int, n_pos: int, rows: dict[str, dict]) -> str:
    out = [
        "| path | best s | MB/s | POs/s | lines/s | best CPU s | peak RSS MB | RSS over imports MB "
        "| runs (s) | POs read | problems |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for which, r in rows.items():
        if "skipped" in r:
            out.append(f"| {PATHS[which]} | – | – | – | – | – | – | – | – | – | {r['skipped']} |")
            continue
        s = r["seconds"]
        probs = ", ".join(f"{k}×{v}" for k, v in sorted(r["problems"].items()) if v) or "none"
        out.append(
            f"| {PATHS[which]} | {s:.3f} | {size / 1e6 / s:.1f} | {n_pos / s:,.0f} | "
            f"{r['lines'] / s:,.0f} | {r['cpu_seconds']:.3f} | {r['rss_peak_kb'] / 1024:.1f} | "
            f"{(r['rss_peak_kb'] - r['rss_base_kb']) / 1024:.1f} | {', '.join(map(str, r['all_seconds']))} | "
            f"{r['pos']:,} | {probs} |"
        )
    return "\n".join(out)


def ratios(rows: dict[str, dict]) -> list[str]:
    def speed(k: str, key: str) -> float | None:
        r = rows.get(k)
        return None if r is None or "skipped" in r else 1 / r[key]

    out = []
    for ours in ("c", "c0", "d"):
        if speed(ours, "seconds") is None:
            continue
        parts = []
        for ref, name in (("a", "floor"), ("b", "pyx12 reader")):
            if speed(ref, "seconds") is not None:
                wall = speed(ours, "seconds") / speed(ref, "seconds")  # type: ignore[operator]
                cpu = speed(ours, "cpu_seconds") / speed(ref, "cpu_seconds")  # type: ignore[operator]
                parts.append(f"{PATHS[ours].split()[0]}/{name} = {wall:.2f}× (CPU time {cpu:.2f}×)")
        if parts:
            out.append("- " + "; ".join(parts))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pos", default="1000,10000", help="comma-separated PO counts (default 1000,10000)")
    p.add_argument("--lines", type=int, default=20)
    p.add_argument("--runs", type=int, default=3, help="fresh-process runs per path; the best time is kept")
    p.add_argument("--paths", default="a,b,c,c0,d", help="which paths (a,b,c,c0,d)")
    p.add_argument("--workdir", default="/tmp/ordergate-bench", help="where generated files go")
    p.add_argument("--keep", action="store_true", help="keep generated files")
    p.add_argument("--big", action="store_true", help="also run path c over a ~1 GB file (RSS check)")
    p.add_argument("--big-only", action="store_true", help="only the --big run")
    p.add_argument("--big-size", default="1G")
    p.add_argument("--profile", metavar="PATH", help="cProfile one path over the largest file instead")
    p.add_argument(
        "--breakdown",
        action="store_true",
        help="time reader / validator / mapper of path c on the largest file",
    )
    p.add_argument("--stub-validator", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--path", help=argparse.SUPPRESS)
    p.add_argument("--worker-profile", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        worker(args.worker, args.path, args.worker_profile, args.stub_validator)
        return 0

    import gen_850

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    ready = validator_ready()
    print(
        f"machine: nproc={os.cpu_count()}, python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.machine()}, "
        f"{platform.system()} {platform.release()}"
    )
    if not ready:
        print(
            "NOTE: parsers.x12.validator / dictionary not importable yet: path c is skipped"
            + (" (c0 runs with a stub)" if args.stub_validator else ", and so is c0")
        )

    try:
        if not args.big_only:
            counts = [int(x) for x in args.pos.split(",") if x]
            files = []
            for n in counts:
                f = workdir / f"po850_{n}x{args.lines}.x12"
                st = gen_850.generate_file(str(f), pos=n, lines=args.lines)
                made.append(f)
                files.append((n, f, st))
                print(
                    f"generated {f}: {st.bytes:,} bytes, {st.interchanges} interchanges, {st.pos:,} POs, "
                    f"{st.lines:,} lines, {st.segments:,} segments"
                )

            if args.profile:
                n, f, st = files[-1]
                print(f"\n## cProfile of path {args.profile} over {f.name}\n")
                spawn(f, args.profile, profile=True, stub=args.stub_validator)
                return 0

            if args.breakdown:
                n, f, st = files[-1]
                r = measure(f, "breakdown", args.runs, False)
                total = sum(r["stages"].values())
                print(f"\n### path c by stage, {f.name} ({st.bytes / 1e6:.1f} MB), best of {args.runs}\n")
                print("| stage | s | share | MB/s if alone |\n|---|---:|---:|---:|")
                for stage, secs in r["stages"].items():
                    print(f"| {stage} | {secs:.3f} | {secs / total:.0%} | {st.bytes / 1e6 / secs:.1f} |")
                print(f"| total | {total:.3f} | 100% | {st.bytes / 1e6 / total:.1f} |")
                return 0

            for n, f, st in files:
                rows: dict[str, dict] = {}
                runnable = []
                for which in args.paths.split(","):
                    if which in ("c", "c0") and not ready and not (which == "c0" and args.stub_validator):
                        rows[which] = {"skipped": "validator not there yet"}
                    else:
                        runnable.append(which)
                        rows[which] = {}
                rows.update(measure_all(f, runnable, args.runs, args.stub_validator))
                print(
                    f"\n### {n:,} POs × {args.lines} lines — {st.bytes / 1e6:.1f} MB, best of {args.runs}\n"
                )
                print(fmt_table(st.bytes, n, rows))
                print()
                print("\n".join(ratios(rows)))
                for which, r in rows.items():
                    if r.get("warmup_seconds"):
                        print(
                            f"- {PATHS[which].split()[0]} one-time warm-up (one PO; compiles the maps), "
                            f"not in the times above: {r['warmup_seconds'] * 1000:.0f} ms"
                        )
                for which, r in rows.items():
                    if "skipped" not in r and r["pos"] != n:
                        print(f"WARNING: path {which} read {r['pos']:,} POs, expected {n:,}")

        if args.big or args.big_only:
            if not ready:
                print("\n--big skipped: the validator is not there yet")
                return 1
            size = gen_850.parse_size(args.big_size)
            f = workdir / f"po850_big_{args.big_size}.x12"
            t0 = time.perf_counter()
            st = gen_850.generate_file(str(f), size=size, lines=args.lines)
            made.append(f)
            print(f"\ngenerated {f}: {st.bytes:,} bytes, {st.pos:,} POs in {time.perf_counter() - t0:.0f}s")
            r = measure(f, "c", 1, False)
            print(f"\n### --big: {st.bytes / 1e9:.2f} GB, {st.pos:,} POs, path c, one run\n")
            print(fmt_table(st.bytes, st.pos, {"c": r}))
            limit = 200 * 1024
            verdict = "OK" if r["rss_peak_kb"] < limit else "OVER"
            print(f"\npeak RSS {r['rss_peak_kb'] / 1024:.1f} MB (limit 200 MB): {verdict}")
            if r["pos"] != st.pos:
                print(f"WARNING: read {r['pos']:,} POs, expected {st.pos:,}")
    finally:
        if not args.keep:
            for f in made:
                f.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                workdir.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
