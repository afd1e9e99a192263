"""Throughput of worker processes: 10,000 generated 850s end to end, embedded and on PostgreSQL + Redis.

The orders are ``bench_ingest``'s (Acme 4010 850s of ``--lines`` lines whose
items all resolve, stock for all), packed ``--per-file`` purchase orders to an
interchange (200 files of 50 by default: a document is the unit workers share).
Configurations, each on a fresh database, in one run:

    embedded   the embedded default: SQLite, inline dispatcher, receive + drain per file
               (what ``ordergate ingest`` does without REDIS_URL)
    workers:N  PostgreSQL + Redis: N ``ordergate worker --threads T`` processes started
               and idle first; the bench process archives and queues every file
               (``receive`` on a Redis-bound runtime) and waits until every order has
               its 855 delivered

Timed: from the first ``receive`` to the last 855 marked sent (and to the first, for workers).  Redis is a
``redis-server`` of the bench's own on a free port; PostgreSQL a fresh schema on
``ORDERGATE_BENCH_POSTGRES_URL`` (dropped afterwards).  Every run is verified
(every PO has a confirmed sales order and a delivered 855, as files in the
outbox) and reports the peak RSS (VmHWM) of each worker process.

    .venv/bin/python bench/bench_workers.py                        # 10k POs: embedded, 1, 2, 4 workers
    .venv/bin/python bench/bench_workers.py --configs workers:2 --pos 2000
    .venv/bin/python bench/bench_workers.py --big 20000                # one interchange of 20,000 POs, 2 workers: peak RSS
    .venv/bin/python bench/bench_workers.py --big-mb 1000 --lines 400  # ~1 GB interchange, until it is processed

``--big`` and ``--big-mb`` write the interchange to disk a set at a time (never whole in memory)
and the bench process receives it by stream (``receive_stream``: archived in chunks).  ``--big``
waits for every 855; ``--big-mb`` builds orders of ``--lines`` lines (the item pool repeated)
until the file reaches the size and waits only until ``process_document`` has finished (997
written, orders released): confirming tens of thousands of orders of hundreds of lines is a
throughput question, not a memory one, and would take long.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import bench_ingest as ingest  # noqa: E402

WORK_ROOT = Path(os.environ.get("ORDERGATE_BENCH_WORK", "/tmp/ordergate-bench-workers"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def generate(work: Path, pos: int, lines: int, per_file: int, seed: int) -> list[Path]:
    import random

    pool = ingest.line_pool()
    catalog = work / "catalog"
    catalog.mkdir(parents=True, exist_ok=True)
    for name in ("catalog.csv", "contract_prices.csv", "warehouses.yaml"):
        shutil.copy(ingest.SAMPLES / "catalog" / name, catalog / name)
    from mappings.catalog import load_catalog

    sample = load_catalog(ingest.SAMPLES / "catalog")
    with open(catalog / "stock.csv", "w") as fh:
        fh.write("sku,warehouse,on_hand\n")
        for item in sample.items.values():
            for wh in sample.warehouses:
                fh.write(f"{item.sku},{wh.code},{ingest.ON_HAND}\n")
    rng = random.Random(seed)
    files = []
    folder = work / "files"
    folder.mkdir(exist_ok=True)
    n = 0
    for f in range((pos + per_file - 1) // per_file):
        sets = []
        for s in range(min(per_file, pos - n)):
            n += 1
            sets.append(ingest.transaction_set(ingest.purchase_order(rng, pool, n, lines), f"{s + 1:04d}"))
        path = folder / f"po_{f + 1:05d}.x12"
        path.write_bytes(ingest.interchange(f + 1, sets))
        files.append(path)
    return files


def big_order(rng: Any, pool: list[dict[str, Any]], seq: int, lines: int) -> list[str]:
    """A PO of ``lines`` lines: ``bench_ingest``'s, its item pool repeated past its size."""
    body = ingest.purchase_order(rng, pool, seq, min(lines, len(pool)))
    head = [seg for seg in body if not seg.startswith(("PO1*", "PID*", "PO4*", "CTT*", "AMT*"))]
    items = [seg for seg in body if seg.startswith(("PO1*", "PID*", "PO4*"))]
    out = list(head)
    hash_total = 0
    for n in range(lines):
        po1, pid, po4 = items[(n % (len(items) // 3)) * 3 : (n % (len(items) // 3)) * 3 + 3]
        parts = po1.split("*")
        parts[1] = str(n + 1)
        hash_total += int(parts[2])
        out += ["*".join(parts), pid, po4]
    out.append(f"CTT*{lines}*{hash_total}")
    return out


def write_big(path: Path, pos: int | None, megabytes: int | None, lines: int, seed: int) -> int:
    """One interchange written a set at a time: ``pos`` orders, or as many as make ``megabytes``
    MB.  How many orders."""
    import random

    rng = random.Random(seed)
    pool = ingest.line_pool()
    target = (megabytes or 0) * 1_000_000
    n = 0
    size = 0
    control = 1
    with open(path, "wb") as fh:
        head = f"{ingest.isa(control)}~\nGS*PO*{ingest.SENDER}*{ingest.RECEIVER}*20261120*0932*{control}*X*004010~\n"
        size += fh.write(head.encode("ascii"))
        while (pos is not None and n < pos) or (pos is None and size < target):
            n += 1
            body = (
                big_order(rng, pool, n, lines)
                if lines > len(pool)
                else ingest.purchase_order(rng, pool, n, lines)
            )
            size += fh.write(ingest.transaction_set(body, f"{n % 1_000_000_000:04d}").encode("ascii"))
        fh.write(f"GE*{n}*{control}~\nIEA*1*{control:09d}~\n".encode("ascii"))
    return n


def settings_for(folder: Path, work: Path, db_url: str, redis_url: str | None, namespace: str) -> Any:
    from gateway.config import Settings

    return Settings(
        data_dir=folder,
        database_url=db_url,
        redis_url=redis_url,
        redis_namespace=namespace,
        partners_dir=ingest.SAMPLES / "partners",
        catalog_dir=work / "catalog",
        outbox_dir=folder / "outbox",
    )


def done_count(engine: Any) -> int:
    from sqlalchemy import func, select

    from gateway.adapters.db.tables import outbound_documents as out

    with engine.connect() as c:
        return int(
            c.execute(
                select(func.count())
                .select_from(out)
                .where(out.c.doc_type == "855", out.c.delivery_status == "sent")
            ).scalar_one()
        )


TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_cpu_s() -> float:
    """Busy CPU seconds of the whole machine so far (every core; idle and iowait left out)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / TICK


class CpuMeter:
    """Where the CPU of a timed run went: the worker processes, the bench process (archive and
    queue), Redis, and the rest of the machine (PostgreSQL's backends, all but idle otherwise)."""

    def __init__(self, workers: list[int], redis_pid: int) -> None:
        self.workers, self.redis_pid = workers, redis_pid
        self.start = self._sample()

    def _sample(self) -> dict[str, float]:
        return {
            "machine": machine_cpu_s(),
            "workers": sum(proc_cpu_s(pid) for pid in self.workers),
            "bench": time.process_time(),
            "redis": proc_cpu_s(self.redis_pid),
        }

    def stop(self) -> dict[str, float]:
        end = self._sample()
        used = {k: end[k] - self.start[k] for k in end}
        used["postgresql_and_rest"] = max(
            0.0, used["machine"] - used["workers"] - used["bench"] - used["redis"]
        )
        return used


def vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def run_embedded(work: Path, files: list[Path], pos: int) -> dict[str, Any]:
    from gateway.bootstrap import build, init_database
    from gateway.services.receive import receive

    folder = work / f"run-embedded-{os.getpid()}"
    folder.mkdir(parents=True)
    db = ingest.Database("sqlite", folder)
    settings = settings_for(folder, work, db.url, None, "unused")
    init_database(settings)
    ingest.parse_only([files[0].read_bytes()])  # warm-up: X12 maps
    runtime = build(settings)
    t0 = time.perf_counter()
    for path in files:
        receive(runtime.context, path.read_bytes(), channel="bench", filename=path.name)
        runtime.drain()
    wall = time.perf_counter() - t0
    result = {
        "config": "embedded",
        "database": "SQLite",
        "wall_s": wall,
        **ingest.verify(runtime, folder / "outbox"),
    }
    runtime.engine.dispose()
    db.close()
    return result


def processed(engine: Any) -> bool:
    """Every inbound document has left ``received`` (``process_document`` finished)."""
    from sqlalchemy import select

    from gateway.adapters.db.tables import inbound_documents as docs

    with engine.connect() as c:
        return c.execute(select(docs.c.id).where(docs.c.status == "received").limit(1)).first() is None


def run_workers(
    work: Path, files: list[Path], pos: int, processes: int, threads: int, *, until_processed: bool = False
) -> dict[str, Any]:
    from gateway.bootstrap import build, build_queued, init_database
    from gateway.services.receive import receive_stream

    folder = work / f"run-workers{processes}-{os.getpid()}"
    folder.mkdir(parents=True)
    db = ingest.Database("postgresql", folder)
    redis_srv = RedisServer(folder)
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    settings = settings_for(folder, work, db.url, redis_srv.url, namespace)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        init_database(settings)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERGATE_")}
        env.update(
            {
                "ORDERGATE_DATABASE_URL": db.url,
                "REDIS_URL": redis_srv.url,
                "ORDERGATE_REDIS_NAMESPACE": namespace,
                "ORDERGATE_DATA_DIR": str(folder),
                "ORDERGATE_OUTBOX_DIR": str(folder / "outbox"),
                "ORDERGATE_PARTNERS_DIR": str(settings.partners_dir),
                "ORDERGATE_CATALOG_DIR": str(settings.catalog_dir),
                "PYTHONPATH": str(ROOT),
            }
        )
        for n in range(processes):
            log = (folder / f"worker-{n}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gateway.entrypoints.cli",
                        "worker",
                        "--threads",
                        str(threads),
                        "--no-sweep",
                        "--log-level",
                        "WARNING",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        import redis

        client = redis.Redis.from_url(redis_srv.url)
        deadline = time.monotonic() + 60
        while client.zcard(f"{namespace}:__heartbeats__") < processes:  # every worker is consuming
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise SystemExit(f"workers did not start: see {folder}/worker-*.log")
            time.sleep(0.1)
        time.sleep(1.0)
        runtime, broker = build_queued(settings)
        checker = build(settings)
        meter = CpuMeter([p.pid for p in procs], redis_srv.proc.pid)
        t0 = time.perf_counter()
        for path in files:
            with path.open("rb") as stream:  # by stream: a large file is archived in chunks
                receive_stream(runtime.context, stream, channel="bench", filename=path.name)
        queued_at = time.perf_counter() - t0
        first_855: float | None = None
        while True:
            if until_processed:
                if processed(checker.engine):
                    break
            else:
                done = done_count(checker.engine)
                if done and first_855 is None:
                    first_855 = time.perf_counter() - t0
                if done >= pos:
                    break
            if any(p.poll() is not None for p in procs):
                raise SystemExit(f"a worker died: see {folder}/worker-*.log")
            time.sleep(0.1)
        wall = time.perf_counter() - t0
        cpu = meter.stop()
        rss = [vm_hwm_mb(p.pid) for p in procs]
        result = {
            "config": f"workers:{processes}",
            "database": "PostgreSQL + Redis",
            "threads": threads,
            "wall_s": wall,
            "queued_s": queued_at,
            "first_855_s": first_855,
            "worker_rss_mb": rss,
            "cpu_s": cpu,
            **(
                processed_summary(checker.engine)
                if until_processed
                else ingest.verify(checker, folder / "outbox")
            ),
        }
        broker.close()
        runtime.engine.dispose()
        checker.engine.dispose()
        return result
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                p.kill()
        redis_srv.close()
        db.close()


def processed_summary(engine: Any) -> dict[str, Any]:
    from sqlalchemy import func, select

    from gateway.adapters.db.tables import inbound_documents as docs
    from gateway.adapters.db.tables import outbound_documents as out
    from gateway.adapters.db.tables import purchase_orders

    with engine.connect() as c:
        return {
            "purchase_orders": c.execute(select(func.count()).select_from(purchase_orders)).scalar_one(),
            "po_statuses": dict(
                c.execute(
                    select(purchase_orders.c.status, func.count()).group_by(purchase_orders.c.status)
                ).all()
            ),
            "acks": c.execute(
                select(func.count()).select_from(out).where(out.c.doc_type == "997")
            ).scalar_one(),
            "document_status": c.execute(select(docs.c.status)).scalars().all(),
        }


def check(r: dict[str, Any], pos: int) -> list[str]:
    if "po_statuses" in r:  # --big-mb: processed, not confirmed
        problems = []
        if r["purchase_orders"] != pos or r["acks"] != 1 or "staged" in r["po_statuses"]:
            problems.append(f"{r['purchase_orders']} POs {r['po_statuses']}, {r['acks']} 997s, not {pos}")
        return problems
    problems = []
    if r["purchase_orders"] != pos or r["sales_orders"] != pos:
        problems.append(f"{r['purchase_orders']} POs / {r['sales_orders']} sales orders, not {pos}")
    if r["sales_by_status"].get("confirmed") != pos:
        problems.append(f"statuses {r['sales_by_status']}")
    if r["855_sent"] != pos or r["855_files"] != pos:
        problems.append(f"{r['855_sent']} 855s sent, {r['855_files']} files")
    return problems


def print_table(results: list[dict[str, Any]], pos: int, lines: int, per_file: int) -> None:
    print(
        f"\n{pos:,} POs of {lines} lines, {per_file} POs per file ({(pos + per_file - 1) // per_file} files)\n"
    )
    print("| configuration | database | s | orders/s | × one worker | first 855 s | peak RSS per worker MB |")
    print("|---|---|---:|---:|---:|---:|---|")
    one = next((r for r in results if r["config"] == "workers:1"), None)
    for r in results:
        rate = pos / r["wall_s"]
        speed = f"{rate / (pos / one['wall_s']):.2f}" if one else ""
        rss = ", ".join(f"{m:.0f}" for m in r.get("worker_rss_mb", []) if m) or "–"
        first = f"{r['first_855_s']:.1f}" if r.get("first_855_s") is not None else "–"
        print(
            f"| {r['config']} | {r['database']} | {r['wall_s']:.1f} | {rate:,.0f} | {speed} | {first} | {rss} |"
        )
    measured = [r for r in results if "cpu_s" in r]
    if measured:
        print(
            "\nCPU per order, ms (machine = every process; the rest is PostgreSQL's backends and the OS):\n"
        )
        print(
            "| configuration | machine | workers | PostgreSQL and rest | bench process | Redis | cores busy |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in measured:
            c = {k: v * 1000 / pos for k, v in r["cpu_s"].items()}
            busy = r["cpu_s"]["machine"] / r["wall_s"]
            print(
                f"| {r['config']} | {c['machine']:.1f} | {c['workers']:.1f} | {c['postgresql_and_rest']:.1f} "
                f"| {c['bench']:.1f} | {c['redis']:.1f} | {busy:.2f} |"
            )


def _child(args: argparse.Namespace) -> int:
    work = Path(args.work)
    files = sorted((work / "files").glob("*.x12"))
    if args.child.startswith("big"):
        big = work / "big" / "po_big.x12"
        result = run_workers(
            work,
            [big],
            args.pos,
            int(args.child.split(":")[1]),
            args.threads,
            until_processed=args.until_processed,
        )
        result["config"] = (
            f"one file of {args.pos:,} POs ({big.stat().st_size / 1e6:.0f} MB), {args.child[4:]} workers"
        )
        import resource

        result["bench_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    elif args.child == "embedded":
        result = run_embedded(work, files, args.pos)
    else:
        result = run_workers(work, files, args.pos, int(args.child.split(":")[1]), args.threads)
    print("RESULT " + json.dumps(result, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pos", type=int, default=10_000)
    p.add_argument("--lines", type=int, default=20)
    p.add_argument("--per-file", type=int, default=50)
    p.add_argument("--threads", type=int, default=2, help="threads per worker process")
    p.add_argument("--configs", default="embedded,workers:1,workers:2,workers:4")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--big",
        type=int,
        metavar="POS",
        help="instead: one interchange of POS orders through 2 workers (peak RSS)",
    )
    p.add_argument(
        "--big-mb",
        type=int,
        metavar="MB",
        help="instead: one interchange of about MB megabytes (orders of --lines lines), until processed",
    )
    p.add_argument("--until-processed", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return _child(args)
    work = WORK_ROOT / uuid.uuid4().hex[:8]
    work.mkdir(parents=True)
    try:
        if args.big or args.big_mb:
            generate(work, 0, args.lines, 1, args.seed)  # the catalog and stock only
            (work / "big").mkdir()
            t = time.perf_counter()
            pos = write_big(work / "big" / "po_big.x12", args.big, args.big_mb, args.lines, args.seed)
            big_size = (work / "big" / "po_big.x12").stat().st_size
            print(
                f"wrote one interchange of {pos:,} POs, {big_size / 1e6:,.0f} MB in {time.perf_counter() - t:.0f} s"
            )
            args.pos, args.configs = pos, "big:2"
            args.big = args.big or pos
        files = generate(work, args.pos, args.lines, args.per_file, args.seed) if not args.big else []
        if files:
            size = sum(f.stat().st_size for f in files) / 1e6
            print(f"generated {len(files)} files, {size:.1f} MB", flush=True)
        results = []
        for config in args.configs.split(","):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    config,
                    "--work",
                    str(work),
                    "--pos",
                    str(args.pos),
                    "--threads",
                    str(args.threads),
                    *(["--until-processed"] if args.big_mb else []),
                ],
                capture_output=True,
                text=True,
            )
            line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
            if line is None:
                print(out.stdout[-3000:], out.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"{config} failed")
            r = json.loads(line[7:])
            problems = check(r, args.pos)
            if problems:
                raise SystemExit(f"{config}: {'; '.join(problems)}")
            results.append(r)
            print(f"{config}: {r['wall_s']:.1f} s, {args.pos / r['wall_s']:,.0f} orders/s", flush=True)
        if args.big:
            for r in results:
                rss = ", ".join(f"{m:.0f}" for m in r["worker_rss_mb"])
                print(
                    f"{r['config']}: {r['wall_s']:.1f} s; peak RSS of the workers {rss} MB, "
                    f"of the receiving process {r['bench_rss_mb']:.0f} MB"
                )
        else:
            print_table(results, args.pos, args.lines, args.per_file)
        print(f"\nload average at the end: {os.getloadavg()}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
