"""The ``ordergate`` command line.

Exit codes: 0 everything read, 1 a file had fatal errors (or could not be
opened), 2 usage errors.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gateway.entrypoints.commands import MODULES
from gateway.entrypoints.commands.common import NotInitialised, data_options, ready, settings_from


def _cmd_parse(args: argparse.Namespace) -> int:
    from gateway.services.parse_documents import parse_file

    documents: list[dict[str, Any]] = []
    failed = False
    layouts = _layouts_of(args.partner) if args.partner else None
    for name in args.files:
        path = Path(name)
        try:
            with path.open("rb") as fh:
                results = parse_file(fh, layouts)
        except OSError as exc:
            print(f"ordergate: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
            failed = True
            continue
        for r in results:
            documents.append(r.to_json(str(path)))
            failed = failed or r.status == "rejected"
    json.dump({"documents": documents}, sys.stdout, indent=None if args.compact else 2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if failed else 0


def _layouts_of(partner_id: str) -> Any:
    """The PDF templates and column map of a partner, from the profile files (no database needed)."""
    from gateway.config import get_settings
    from gateway.errors import GatewayError
    from mappings.loader import load_partners

    partners = load_partners(get_settings().partners_dir)
    if partner_id not in partners:
        raise GatewayError(f"no partner {partner_id!r} (known: {', '.join(sorted(partners))})")
    return partners[partner_id].layouts


def _cmd_ack(args: argparse.Namespace) -> int:
    from gateway.services.acknowledge import acknowledge_file

    path = Path(args.file)
    try:
        with path.open("rb") as fh:
            outcome = acknowledge_file(fh)
    except OSError as exc:
        print(f"ordergate: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for ack in outcome.acknowledgements:
        sys.stdout.write(ack.decode("latin-1"))
        if not ack.endswith(b"\n"):
            sys.stdout.write("\n")
    if not outcome.acknowledgements:
        print("ordergate: nothing in this file calls for an acknowledgement", file=sys.stderr)
    return 1 if outcome.rejected else 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from gateway.domain.serialize import purchase_order_change_schema, purchase_order_schema

    schema = purchase_order_change_schema() if args.change else purchase_order_schema()
    json.dump(schema, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from gateway.bootstrap import init_database

    settings = settings_from(args)
    loaded = init_database(settings, load_reference=not args.no_samples)
    print(f"database ready: {settings.db_url}")
    if loaded:
        print("loaded " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in loaded.items()))
    return 0


def _print_documents(views: list[Any]) -> None:
    from gateway.entrypoints.tables import render_documents

    print(render_documents(views))


def _ingest(
    settings: Any, files: list[Path], channel: str = "cli", partner_id: str | None = None
) -> tuple[list[Any], int]:
    from gateway.bootstrap import build, build_queued
    from gateway.services.receive import receive_stream
    from gateway.services.reports import document_view

    runtime = build_queued(settings)[0] if settings.queued else build(settings)
    ids: list[int] = []
    failed = 0
    show_progress = len(files) > 10 and sys.stderr.isatty()
    try:
        for n, path in enumerate(files, start=1):
            try:
                stream = path.open("rb")  # read a chunk at a time: a large file is archived in chunks
            except OSError as exc:
                print(f"ordergate: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
                failed += 1
                continue
            with stream:
                ids.append(
                    receive_stream(
                        runtime.context, stream, channel=channel, filename=path.name, partner_id=partner_id
                    )
                )
            runtime.drain()
            if show_progress:
                print(f"\r{n}/{len(files)} documents", end="", file=sys.stderr)
        if show_progress:
            print(file=sys.stderr)
        with runtime.context.uow() as uow:
            views = [v for i in ids if (v := document_view(uow, i)) is not None]
    finally:
        runtime.engine.dispose()
    return views, failed


def _cmd_ingest(args: argparse.Namespace) -> int:
    settings = ready(args)
    views, failed = _ingest(settings, [Path(f) for f in args.files], partner_id=args.partner)
    _print_documents(views)
    if settings.queued:
        where = "RabbitMQ" if settings.broker == "rabbitmq" else "Redis"
        print(f"\n{len(views)} documents archived and queued on {where}; `ordergate worker` processes them")
    return 1 if failed or any(v.status == "rejected" for v in views) else 0


def _cmd_orders(args: argparse.Namespace) -> int:
    from gateway.bootstrap import build
    from gateway.entrypoints.tables import render_orders
    from gateway.services.reports import list_orders

    runtime = build(ready(args))
    try:
        with runtime.context.uow() as uow:
            print(render_orders(list_orders(uow, status=args.status)))
    finally:
        runtime.engine.dispose()
    return 0


def _cmd_order(args: argparse.Namespace) -> int:
    from gateway.bootstrap import build
    from gateway.entrypoints.tables import render_order
    from gateway.services.reports import order_view

    runtime = build(ready(args))
    try:
        with runtime.context.uow() as uow:
            found = [
                v
                for so in uow.sales_orders.by_po_number(args.po, args.partner)
                if (v := order_view(uow, so.purchase_order_id)) is not None
            ]
    finally:
        runtime.engine.dispose()
    if not found:
        print(f"ordergate: no order {args.po}", file=sys.stderr)
        return 1
    for view in found:
        print(render_order(view))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    import shutil

    from gateway.bootstrap import init_database
    from gateway.config import SAMPLES

    settings = settings_from(args)
    if settings.database_url is None:
        data_dir = settings.data_dir
        if data_dir.exists():
            shutil.rmtree(data_dir)
    init = init_database(settings)
    print(
        f"Ordergate demo: {init['partners']} partners, {init['items']} items, "
        f"{init['warehouses']} warehouses loaded into {settings.db_url}\n"
    )
    files = sorted((SAMPLES / "x12").glob("*.x12"))
    views, _failed = _ingest(settings, files, channel="demo")
    _print_documents(views)
    from gateway.entrypoints.commands.fulfilment import run_demo_fulfilment

    print()
    for block in run_demo_fulfilment(settings):
        print(block)
    outbox = settings.outbox
    written = sorted(p for p in outbox.rglob("*") if p.is_file()) if outbox.exists() else []
    print(f"\nOutbox {outbox}: {len(written)} documents")
    for p in written:
        print(f"  {p.relative_to(outbox)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ordergate", description="EDI and document-ingestion gateway")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("parse", help="print the canonical documents of files as JSON")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--compact", action="store_true", help="one line of JSON")
    p.add_argument(
        "--partner", help="read PDFs and spreadsheets with this partner's templates and column map"
    )
    p.set_defaults(func=_cmd_parse)

    p = sub.add_parser("ack", help="print the 997/999/TA1 a file earns")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=_cmd_ack)

    p = sub.add_parser("init", help="create or upgrade the database and load partners and the catalog")
    p.add_argument("--no-samples", action="store_true", help="only create the schema")
    data_options(p)
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("ingest", help="receive files and run them through the whole pipeline")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--partner", help="the partner who sent the files (PDF, CSV, XLSX, cXML, UBL carry no X12 sender id)"
    )
    data_options(p)
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("orders", help="list sales orders with their status")
    p.add_argument("--status", help="only orders in this status (confirmed, needs_review, ...)")
    data_options(p)
    p.set_defaults(func=_cmd_orders)

    p = sub.add_parser("order", help="one order: status and line outcomes")
    p.add_argument("po", metavar="PO")
    p.add_argument("--partner", help="partner id, when two partners used the same PO number")
    data_options(p)
    p.set_defaults(func=_cmd_order)

    p = sub.add_parser("demo", help="fresh embedded database, sample data and documents, outbox written")
    p.add_argument("--data-dir", default="data/demo", help="where the demo keeps its database and outbox")
    p.add_argument("--database-url", help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("schema", help="print the JSON Schema of the canonical purchase order")
    p.add_argument("--change", action="store_true", help="the purchase-order change instead")
    p.set_defaults(func=_cmd_schema)

    for name in MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from gateway.errors import GatewayError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except NotInitialised as exc:
        print(f"ordergate: {exc}", file=sys.stderr)
        return 2
    except GatewayError as exc:
        print(f"ordergate: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
