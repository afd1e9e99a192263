"""End-to-end ingest benchmark: receive → process_document → confirm → emit_855 → deliver.

Generates ``--pos`` (1,000) ``--lines``-line (20) 4010 850s from the sample
partner ACMEHARDWARE (ISA ZZ/ACMEHARDWARE → ZZ/ORDERGATE) whose lines all
resolve against the sample catalog (Acme buyer parts from ``acme-xref.csv``,
catalog UPCs and SKUs; prices at Acme's contract or our list price, so every
line is accepted as sent), in two shapes:

    one   one file, one interchange, one group holding all the POs
    many  one file per PO (each its own interchange, ISA13 1..N)

and runs each shape through the whole pipeline (inline dispatcher,
``runtime.drain()``) on a fresh SQLite database and on a fresh PostgreSQL
schema (``?options=-csearch_path%3D<schema>``, dropped afterwards).  The
catalog is the sample one with a bench ``stock.csv`` holding 10,000,000 of
every active item in every warehouse, so every order confirms.

Each configuration runs in a fresh subprocess.  Untimed: schema migration and
reference data (``init_database``), one warm-up parse (X12 map compilation).
Timed: wall time from the first ``receive`` to the last delivery (``many``
receives and drains file by file, as ``ordergate ingest`` does), and, in the
same process, the parse-only reference: ``parsers.x12.process.parse_stream``
over the same bytes (best of 3).  A SQLAlchemy ``before_cursor_execute``
listener counts statements, the ``commit`` event commits and the pool's
``checkout`` event units of work, per pipeline step.  Afterwards every PO must
have a confirmed sales order and a delivered 855 (counted in the database and
in the outbox), or the run fails.

    .venv/bin/python bench/bench_ingest.py                          # 1k POs × {one, many} × {sqlite, postgresql}
    .venv/bin/python bench/bench_ingest.py --configs sqlite:many    # one configuration
    .venv/bin/python bench/bench_ingest.py --configs none --profile sqlite:many   # only a cProfile of one
    .venv/bin/python bench/bench_ingest.py --profile postgresql:many,sqlite:many  # the table, then both profiles
    .venv/bin/python bench/bench_ingest.py --no-profile             # skip the profile of the slowest

By default the slowest configuration is profiled afterwards (cProfile, top 25
by cumulative and by tottime, self time by area, statements per order).
Files go to ``/tmp/ordergate-bench/`` and are deleted unless ``--keep``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "gateway" / "samples"
WORK_ROOT = Path("/tmp/ordergate-bench")
PG_URL = os.environ.get("ORDERGATE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PARTNER = "ACMEHARDWARE"
SENDER = "ACMEHARDWARE"
RECEIVER = "ORDERGATE"
ON_HAND = 10_000_000
SHAPES = ("one", "many")
BACKENDS = ("sqlite", "postgresql")
DEFAULT_CONFIGS = [f"{b}:{s}" for s in SHAPES for b in BACKENDS]


# ----------------------------------------------------------------------------- data
def _fmt(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def line_pool() -> list[dict[str, Any]]:
    """Every active catalog item as an Acme PO1: ids, unit and a price that needs no change."""
    from mappings.catalog import load_catalog
    from mappings.loader import load_partners

    catalog = load_catalog(SAMPLES / "catalog")
    acme = load_partners(SAMPLES / "partners")[PARTNER]
    xrefs = {x.sku: x for x in acme.cross_references}
    pool = []
    for item in catalog.items.values():
        if not item.active or item.price_for(PARTNER) <= 0:
            continue
        xref = xrefs.get(item.sku)
        ids: list[tuple[str, str]] = []
        if xref is not None and xref.buyer_part:
            ids.append(("BP", xref.buyer_part))
        if item.upc:
            ids.append(("UP", item.upc))
        ids.append(("VP", item.sku))
        unit, factor = item.base_unit, Decimal(1)
        if xref is not None and xref.unit and xref.factor_from_pack:
            unit, factor = xref.unit, item.pack_size
        pool.append(
            {
                "sku": item.sku,
                "ids": ids,
                "unit": unit,
                "price": item.price_for(PARTNER) * factor,
                "desc": item.description.replace("*", " ").replace("~", " ")[:60],
            }
        )
    return pool


def isa(control: int) -> str:
    seg = (
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{SENDER:<15}*ZZ*{RECEIVER:<15}*261120*0932*U*00401*{control:09d}*0*P*>"
    )
    assert len(seg) == 105, len(seg)
    return seg


def purchase_order(rng: random.Random, pool: list[dict[str, Any]], seq: int, lines: int) -> list[str]:
    """The segments of one PO between ST and SE."""
    store = rng.randrange(1, 400)
    segs = [
        f"BEG*00*SA*BENCH{seq:08d}**20261120",
        "CUR*BY*USD",
        f"REF*DP*{rng.randrange(1, 99):03d}",
        f"REF*IA*{rng.randrange(10000, 99999)}",
        "PER*BD*DANA MORALES*TE*6145550142*EM*dana.morales@acmehardware.example",
        "FOB*PP*ZZ*ORIGIN",
        "ITD*01*3*2**10**30",
        "DTM*002*20280204",
        "DTM*010*20280201",
        "N1*BY*ACME HARDWARE INC*92*0042",
        f"N1*ST*ACME STORE {store:04d}*92*{store:04d}",
        f"N3*{rng.randrange(10, 9999)} LOGISTICS PKWY",
        "N4*GROVE CITY*OH*43123*US",
        "N1*BT*ACME HARDWARE ACCOUNTS PAYABLE",
        "N3*PO BOX 1180",
        "N4*COLUMBUS*OH*43216*US",
    ]
    total = Decimal(0)
    hash_total = 0
    for n, entry in enumerate(rng.sample(pool, min(lines, len(pool))), start=1):
        qty = rng.randrange(1, 50)
        hash_total += qty
        total += qty * entry["price"]
        ids = "*".join(f"{q}*{v}" for q, v in entry["ids"])
        segs.append(f"PO1*{n}*{qty}*{entry['unit']}*{_fmt(entry['price'])}**{ids}")
        segs.append(f"PID*F****{entry['desc']}")
        segs.append("PO4*1*1*EA")
    segs.append(f"CTT*{min(lines, len(pool))}*{hash_total}")
    segs.append(f"AMT*TT*{total.quantize(Decimal('0.01'))}")
    return segs


def transaction_set(body: list[str], set_control: str) -> str:
    """ST + body + SE (segment terminator ``~`` and a line break)."""
    segs = [f"ST*850*{set_control}", *body, f"SE*{len(body) + 2}*{set_control}"]
    return "~\n".join(segs) + "~\n"


def interchange(control: int, sets: list[str]) -> bytes:
    head = f"{isa(control)}~\nGS*PO*{SENDER}*{RECEIVER}*20261120*0932*{control}*X*004010~\n"
    tail = f"GE*{len(sets)}*{control}~\nIEA*1*{control:09d}~\n"
    return (head + "".join(sets) + tail).encode("ascii")


def generate(work: Path, pos: int, lines: int, seed: int) -> dict[str, Any]:
    """Write the bench catalog and both shapes under ``work``."""
    pool = line_pool()
    if len(pool) < lines:
        raise SystemExit(f"only {len(pool)} resolvable items for {lines} lines per PO")
    catalog = work / "catalog"
    catalog.mkdir(parents=True, exist_ok=True)
    for name in ("catalog.csv", "contract_prices.csv", "warehouses.yaml"):
        shutil.copy(SAMPLES / "catalog" / name, catalog / name)
    from mappings.catalog import load_catalog

    sample = load_catalog(SAMPLES / "catalog")
    with open(catalog / "stock.csv", "w") as fh:
        fh.write("sku,warehouse,on_hand\n")
        for item in sample.items.values():
            for wh in sample.warehouses:
                fh.write(f"{item.sku},{wh.code},{ON_HAND}\n")
    rng = random.Random(seed)
    bodies = [purchase_order(rng, pool, n, lines) for n in range(1, pos + 1)]
    (work / "one").mkdir(exist_ok=True)
    one = work / "one" / "po_one.x12"
    one.write_bytes(interchange(1, [transaction_set(b, f"{n:04d}") for n, b in enumerate(bodies, start=1)]))
    many_dir = work / "many"
    many_dir.mkdir(exist_ok=True)
    total_many = 0
    for n, body in enumerate(bodies, start=1):
        data = interchange(n, [transaction_set(body, "0001")])
        (many_dir / f"po_{n:06d}.x12").write_bytes(data)
        total_many += len(data)
    return {"one_bytes": one.stat().st_size, "many_bytes": total_many, "pool": len(pool)}


# ----------------------------------------------------------------------------- database
def _libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    parts = {
        "host": u.host or "127.0.0.1",
        "port": str(u.port or 5432),
        "user": u.username or "postgres",
        "dbname": u.database or "postgres",
    }
    if u.password:
        parts["password"] = u.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


class Database:
    """A fresh SQLite file or PostgreSQL schema; ``close`` drops the schema."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.schema: str | None = None
        if backend == "sqlite":
            self.url = f"sqlite:///{folder / 'ordergate.db'}"
        else:
            import psycopg

            self.schema = f"og_bench_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(_libpq(PG_URL), autocommit=True) as admin:
                admin.execute(f'CREATE SCHEMA "{self.schema}"')
            self.url = f"{PG_URL}?options=-csearch_path%3D{self.schema}"

    def close(self) -> None:
        if self.schema is not None:
            import psycopg

            with psycopg.connect(_libpq(PG_URL), autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            self.schema = None


# ----------------------------------------------------------------------------- counters
_VERB = re.compile(r"^\s*(\w+)")
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def statement_kind(sql: str) -> str:
    verb = (_VERB.match(sql) or [None, "?"])[1].upper()
    m = _TABLE.search(sql)
    return f"{verb} {m.group(1)}" if m else verb


class Counters:
    """Statements (by step and by kind), commits and units of work (pool checkouts)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.step = "setup"
        self.statements: Counter[str] = Counter()
        self.commits: Counter[str] = Counter()
        self.checkouts: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)

        @event.listens_for(engine, "before_cursor_execute")
        def _stmt(
            conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
        ) -> None:
            if self.step == "verify":
                return
            self.statements[self.step] += 1
            self.kinds[statement_kind(statement)] += 1

        @event.listens_for(engine, "commit")
        def _commit(conn: Any) -> None:
            if self.step == "verify":
                return
            self.commits[self.step] += 1

        @event.listens_for(engine.pool, "checkout")
        def _checkout(*_a: Any) -> None:
            if self.step == "verify":
                return
            self.checkouts[self.step] += 1

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kw: Any) -> Any:
            outer, self.step = self.step, name
            t0 = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                self.seconds[name] += time.perf_counter() - t0
                self.calls[name] += 1
                self.step = outer

        return run


# ----------------------------------------------------------------------------- one configuration
def parse_only(blobs: list[bytes]) -> tuple[float, int]:
    from parsers.x12.process import ParsedSet, parse_stream

    pos = 0
    t0 = time.perf_counter()
    for blob in blobs:
        for ev in parse_stream(io.BytesIO(blob)):
            if isinstance(ev, ParsedSet) and ev.document is not None:
                pos += 1
    return time.perf_counter() - t0, pos


def run_config(work: Path, backend: str, shape: str, profile_top: int = 0) -> dict[str, Any]:
    from gateway.bootstrap import build, init_database
    from gateway.config import Settings
    from gateway.services.receive import receive

    files = [work / "one" / "po_one.x12"] if shape == "one" else sorted((work / "many").glob("*.x12"))
    blobs = [f.read_bytes() for f in files]
    names = [f.name for f in files]
    folder = work / f"run-{backend}-{shape}-{os.getpid()}"
    folder.mkdir(parents=True)
    db = Database(backend, folder)
    result: dict[str, Any] = {
        "backend": backend,
        "shape": shape,
        "files": len(blobs),
        "bytes": sum(map(len, blobs)),
    }
    try:
        settings = Settings(
            data_dir=folder,
            database_url=db.url,
            partners_dir=SAMPLES / "partners",
            catalog_dir=work / "catalog",
            outbox_dir=folder / "outbox",
        )
        init_database(settings)
        # warm-up: compile the X12 maps (once per process) on a one-PO document
        parse_only([(work / "many" / "po_000001.x12").read_bytes()])
        result["parse_s"], result["parse_pos"] = min(parse_only(blobs) for _ in range(3))

        runtime = build(settings)
        counters = Counters(runtime.engine)
        steps = runtime.dispatcher.steps  # type: ignore[attr-defined]
        for name in list(steps):
            steps[name] = counters.wrap(name, steps[name])
        timed_receive = counters.wrap("receive", receive)
        ctx = runtime.context

        def pipeline() -> None:
            for name, blob in zip(names, blobs, strict=True):
                timed_receive(ctx, blob, channel="bench", filename=name)
                runtime.drain()

        profiler = cProfile.Profile() if profile_top else None
        t0 = time.perf_counter()
        if profiler is not None:
            profiler.runcall(pipeline)
        else:
            pipeline()
        result["wall_s"] = time.perf_counter() - t0
        counters.step = "verify"
        result.update(verify(runtime, folder / "outbox"))
        result["statements"] = dict(counters.statements)
        result["commits"] = dict(counters.commits)
        result["uows"] = dict(counters.checkouts)
        result["step_calls"] = dict(counters.calls)
        result["step_s"] = dict(counters.seconds)
        result["kinds"] = dict(counters.kinds)
        runtime.engine.dispose()
        if profiler is not None:
            result["profile"] = profile_report(profiler, result, profile_top)
    finally:
        db.close()
    return result


def verify(runtime: Any, outbox: Path) -> dict[str, Any]:
    from sqlalchemy import func, select

    from gateway.adapters.db.tables import outbound_documents as out
    from gateway.adapters.db.tables import purchase_orders, sales_orders

    with runtime.engine.connect() as c:
        pos = c.execute(select(func.count()).select_from(purchase_orders)).scalar_one()
        by_status = dict(
            c.execute(select(sales_orders.c.status, func.count()).group_by(sales_orders.c.status)).all()
        )
        acks = dict(
            c.execute(select(sales_orders.c.ack_type, func.count()).group_by(sales_orders.c.ack_type)).all()
        )
        outbound = {
            (t, s): n
            for t, s, n in c.execute(
                select(out.c.doc_type, out.c.delivery_status, func.count()).group_by(
                    out.c.doc_type, out.c.delivery_status
                )
            ).all()
        }
        linked = c.execute(
            select(func.count())
            .select_from(out)
            .where(out.c.doc_type == "855", out.c.purchase_order_id.is_not(None))
        ).scalar_one()
    files = Counter(p.name.split("-")[0] for p in outbox.rglob("*.x12"))
    return {
        "purchase_orders": pos,
        "sales_orders": sum(by_status.values()),
        "sales_by_status": by_status,
        "ack_types": acks,
        "outbound": {f"{t}/{s}": n for (t, s), n in outbound.items()},
        "855_linked": linked,
        "855_sent": outbound.get(("855", "sent"), 0),
        "855_files": files.get("855", 0),
        "997_files": files.get("997", 0),
    }


# ----------------------------------------------------------------------------- profile report
AREAS = [
    ("fsync (folder delivery)", lambda f, n: "fsync" in n),
    ("sqlite3 C (execute/fetch)", lambda f, n: "sqlite3" in n and "commit" not in n),
    ("sqlite3 commit", lambda f, n: "sqlite3" in n and "commit" in n),
    ("psycopg / libpq", lambda f, n: "psycopg" in f or "psycopg" in n),
    ("SQLAlchemy (Python)", lambda f, n: "/sqlalchemy/" in f or "sqlalchemy" in n),
    ("pydantic (JSON dump/validate)", lambda f, n: "pydantic" in f or "pydantic" in n),
    ("json module", lambda f, n: "/json/" in f or "_json" in n),
    ("X12 parser (parsers/)", lambda f, n: "/parsers/" in f),
    ("X12 writer (outbound/)", lambda f, n: "/outbound/" in f),
    ("rules/allocation (gateway/domain)", lambda f, n: "/gateway/domain/" in f),
    ("repositories (gateway/adapters)", lambda f, n: "/gateway/adapters/" in f),
    ("services (gateway/services)", lambda f, n: "/gateway/services/" in f),
    (
        "decimal / datetime / re",
        lambda f, n: "decimal" in n or "datetime" in n or "/re/" in f or "re.Pattern" in n,
    ),
    (
        "file I/O (open/write/rename/stat)",
        lambda f, n: (
            any(k in n for k in ("io.open", "write", "posix.", "replace", "mkstemp"))
            or "/tempfile.py" in f
            or "/pathlib.py" in f
        ),
    ),
]

WATCH = [
    ("services", "receive.py", "receive"),
    ("services", "process_document.py", "process_document"),
    ("services", "process_document.py", "_process_x12"),
    ("services", "confirm.py", "confirm_purchase_order"),
    ("services", "emit.py", "emit_855"),
    ("services", "emit.py", "deliver"),
    ("db", "catalog.py", "all_items"),
    ("db", "catalog.py", "_load"),
    ("db", "catalog.py", "warehouses"),
    ("db", "catalog.py", "lock_stock"),
    ("db", "catalog.py", "apply_allocations"),
    ("db", "partners.py", "get"),
    ("db", "partners.py", "find_by_x12"),
    ("db", "partners.py", "_load"),
    ("db", "orders.py", "add"),
    ("db", "orders.py", "get"),
    ("db", "orders.py", "_stored_po"),
    ("db", "orders.py", "get_by_purchase_order"),
    ("db", "orders.py", "_insert_lines"),
    ("db", "orders.py", "_load"),
    ("db", "orders.py", "_outcomes_json"),
    ("db", "outbound.py", "add"),
    ("db", "outbound.py", "get"),
    ("db", "control_numbers.py", "next"),
    ("db", "audit.py", "record"),
    ("db", "documents.py", "get"),
    ("db", "uow.py", "__enter__"),
    ("db", "uow.py", "__exit__"),
    ("db", "uow.py", "commit"),
    ("domain", "rules.py", "confirm_order"),
    ("domain", "rules.py", "resolve_skus"),
    ("domain", "crossref.py", "__init__"),
    ("domain", "allocation.py", "allocate"),
    ("domain", "serialize.py", "to_json"),
    ("outbound", "documents.py", "envelope_855"),
    ("outbound", "ack.py", "finish"),
    ("parse", "parse_documents.py", "x12_results_with_events"),
    ("channel", "folder.py", "write_atomically"),
    ("builtin", "~", "<built-in method posix.fsync>"),
    ("builtin", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("builtin", "~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
]


def profile_report(profiler: cProfile.Profile, result: dict[str, Any], top: int) -> dict[str, Any]:
    pos = result["purchase_orders"] or 1
    out = io.StringIO()
    st = pstats.Stats(profiler, stream=out)
    st.strip_dirs = lambda: st  # type: ignore[method-assign]  # keep paths
    out.write(f"--- top {top} by cumulative time ---\n")
    st.sort_stats("cumulative").print_stats(top)
    out.write(f"--- top {top} by own time (tottime) ---\n")
    st.sort_stats("tottime").print_stats(top)
    text = (
        out.getvalue().replace(str(ROOT) + "/", "").replace(sys.prefix + "/lib/python3.11/site-packages/", "")
    )
    raw = st.stats  # type: ignore[attr-defined]
    total_tt = sum(v[2] for v in raw.values())
    areas: Counter[str] = Counter()
    for (fname, _line, func), (_cc, _nc, tt, _ct, _callers) in raw.items():
        for area, test in AREAS:
            if test(fname, func):
                areas[area] += tt
                break
        else:
            areas["other"] += tt
    watch = []
    for _group, fsuffix, func in WATCH:
        for (fname, line, fn), (_cc, nc, tt, ct, _callers) in raw.items():
            if (
                fn == func
                and (fname == fsuffix or fname.endswith("/" + fsuffix))
                and (fsuffix == "~" or "/gateway/" in fname or "/outbound/" in fname or "/parsers/" in fname)
            ):
                where = fname.replace(str(ROOT) + "/", "") + (f":{line}" if line else "")
                watch.append((where, fn, nc, ct, tt))
    return {
        "text": text,
        "total_tt": total_tt,
        "areas": {k: v for k, v in areas.most_common()},
        "watch": watch,
        "pos": pos,
    }


# ----------------------------------------------------------------------------- driver
def _child(args: argparse.Namespace) -> int:
    backend, shape = args.run.split(":")
    result = run_config(Path(args.work), backend, shape, profile_top=args.top if args.profiled else 0)
    print("RESULT " + json.dumps(result, default=str))
    return 0


def spawn(work: Path, config: str, profiled: bool, top: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--run", config, "--work", str(work), "--top", str(top)]
    if profiled:
        cmd.append("--profiled")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-8000:])
        raise SystemExit(f"{config} failed (exit {proc.returncode})")
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"{config}: no result\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}")


def check(r: dict[str, Any], pos: int) -> list[str]:
    problems = []
    if r["purchase_orders"] != pos:
        problems.append(f"{r['purchase_orders']} purchase orders stored, expected {pos}")
    confirmed = r["sales_by_status"].get("confirmed", 0)
    if r["sales_orders"] != pos or confirmed != pos:
        problems.append(
            f"{r['sales_orders']} sales orders ({r['sales_by_status']}), expected {pos} confirmed"
        )
    if not (r["855_linked"] == r["855_sent"] == r["855_files"] == pos):
        problems.append(
            f"855: {r['855_linked']} stored, {r['855_sent']} sent, {r['855_files']} files; expected {pos}"
        )
    if r["parse_pos"] != pos:
        problems.append(f"parse-only read {r['parse_pos']} POs, expected {pos}")
    return problems


def per(d: dict[str, Any], pos: int) -> float:
    return sum(d.values()) / pos


def print_table(results: list[dict[str, Any]], pos: int, lines: int) -> None:
    print(f"\n### End-to-end ingest, {pos:,} POs × {lines} lines, ACMEHARDWARE 4010\n")
    print(
        "| backend | shape | files | MB | pipeline s | **orders/s** | parse-only POs/s | pipeline / parse | "
        "stmts/order | commits/order | UoWs/order | sales orders: confirmed / AD | 855 stored / sent / files |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in results:
        ops = pos / r["wall_s"]
        pps = r["parse_pos"] / r["parse_s"]
        print(
            f"| {r['backend']} | {r['shape']} | {r['files']:,} | {r['bytes'] / 1e6:.2f} | {r['wall_s']:.2f} | "
            f"**{ops:,.0f}** | {pps:,.0f} | {ops / pps:.1%} | {per(r['statements'], pos):.1f} | "
            f"{per(r['commits'], pos):.2f} | {per(r['uows'], pos):.2f} | "
            f"{r['sales_orders']:,}: {r['sales_by_status'].get('confirmed', 0):,} / {r['ack_types'].get('AD', 0):,} | "
            f"{r['855_linked']:,} / {r['855_sent']:,} / {r['855_files']:,} |"
        )
    print("\nPer step (ms per order = step wall time / POs; statements and commits per order):\n")
    steps = ["receive", "process_document", "confirm_document", "confirm_order", "emit_855", "deliver"]
    print("| backend | shape | " + " | ".join(steps) + " |")
    print("|---|---|" + "---:|" * len(steps))
    for r in results:
        cells = []
        for s in steps:
            ms = r["step_s"].get(s, 0) * 1000 / pos
            cells.append(
                f"{ms:.2f} ms, {r['statements'].get(s, 0) / pos:.1f} st, {r['commits'].get(s, 0) / pos:.2f} c"
            )
        print(f"| {r['backend']} | {r['shape']} | " + " | ".join(cells) + " |")


def print_profile(r: dict[str, Any], pos: int) -> None:
    p = r["profile"]
    print(
        f"\n## Profile: {r['backend']}:{r['shape']} under cProfile "
        f"({r['wall_s']:.2f} s profiled, {pos / r['wall_s']:,.0f} orders/s with profiler overhead)\n"
    )
    print("```")
    print(p["text"].rstrip())
    print("```")
    print(
        f"\nOwn time by area (sum of tottime, additive; ms per order; total {p['total_tt'] * 1000 / pos:.2f} ms/order):\n"
    )
    print("| area | ms/order | share |")
    print("|---|---:|---:|")
    for area, tt in p["areas"].items():
        print(f"| {area} | {tt * 1000 / pos:.3f} | {tt / p['total_tt']:.1%} |")
    print("\nWatched functions (cumulative, ms per order):\n")
    print("| function | calls/order | cum ms/order | own ms/order |")
    print("|---|---:|---:|---:|")
    for where, fn, nc, ct, tt in p["watch"]:
        print(f"| `{where}` {fn} | {nc / pos:.2f} | {ct * 1000 / pos:.3f} | {tt * 1000 / pos:.3f} |")
    print("\nStatements per order by kind:\n")
    print("| statement | per order |")
    print("|---|---:|")
    for kind, n in sorted(r["kinds"].items(), key=lambda kv: -kv[1]):
        print(f"| `{kind}` | {n / pos:.2f} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pos", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=20)
    ap.add_argument("--seed", type=int, default=855)
    ap.add_argument(
        "--configs",
        help="backend:shape,... for the table (default all four: "
        + ",".join(DEFAULT_CONFIGS)
        + "; 'none': no table)",
    )
    ap.add_argument(
        "--profile", metavar="CONFIGS", help="profile these configurations (default: the slowest)"
    )
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--keep", action="store_true", help="keep the generated files and databases")
    ap.add_argument("--run", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    ap.add_argument("--profiled", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run:
        return _child(args)

    command = ".venv/bin/python bench/bench_ingest.py " + " ".join(argv if argv is not None else sys.argv[1:])
    work = WORK_ROOT / f"ingest-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        gen = generate(work, args.pos, args.lines, args.seed)
        print(
            f"generated {args.pos:,} POs × {args.lines} lines from {gen['pool']} resolvable items: "
            f"one file {gen['one_bytes'] / 1e6:.2f} MB, {args.pos:,} files {gen['many_bytes'] / 1e6:.2f} MB "
            f"({time.perf_counter() - t0:.1f} s) in {work}",
            file=sys.stderr,
        )
        configs_arg = args.configs or ",".join(DEFAULT_CONFIGS)
        configs = [] if configs_arg == "none" else [c for c in configs_arg.split(",") if c]
        results = []
        failed = []
        for config in configs:
            print(f"running {config} ...", file=sys.stderr, flush=True)
            r = spawn(work, config, profiled=False, top=args.top)
            print(
                f"  {config}: {args.pos / r['wall_s']:,.0f} orders/s ({r['wall_s']:.2f} s)",
                file=sys.stderr,
                flush=True,
            )
            problems = check(r, args.pos)
            if problems:
                failed.append((config, problems))
            results.append(r)
        if results:
            print_table(results, args.pos, args.lines)
        print(
            f"\nCommand: `{command.strip()}` (from the repository root; {sys.version.split()[0]}, {os.cpu_count()} cores)"
        )
        for config, problems in failed:
            print(f"\n**{config} FAILED verification:** " + "; ".join(problems))
        if not failed and results:
            print(
                f"\nVerified: every configuration stored {args.pos:,} POs, {args.pos:,} confirmed sales orders and "
                f"{args.pos:,} 855s (stored, linked to their PO, delivered, and as files in the outbox)."
            )
        target = args.profile
        if target is None and not args.no_profile and results:
            slowest = min(results, key=lambda r: args.pos / r["wall_s"])
            target = f"{slowest['backend']}:{slowest['shape']}"
        for config in target.split(",") if target and not args.no_profile else []:
            print(f"profiling {config} ...", file=sys.stderr, flush=True)
            r = spawn(work, config, profiled=True, top=args.top)
            print_profile(r, args.pos)
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
