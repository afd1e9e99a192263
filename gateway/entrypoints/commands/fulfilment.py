"""``ordergate pick | ship | invoice | invoices | stock receive``: fulfilment and billing."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from gateway.entrypoints.commands.common import data_options, ready


def _runtime(args: argparse.Namespace) -> Any:
    from gateway.bootstrap import build

    return build(ready(args))


def _cmd_pick(args: argparse.Namespace) -> int:
    from gateway.entrypoints.tables import table
    from gateway.services.fulfilment import pick_list

    runtime = _runtime(args)
    try:
        lines = pick_list(runtime.context, args.warehouse)
    finally:
        runtime.engine.dispose()
    rows = [
        [
            p.warehouse,
            p.bin or "",
            p.sku,
            p.description[:32],
            f"{p.quantity.normalize():f} {p.base_unit}",
            p.partner_id,
            p.po_number,
            p.line_number or "",
        ]
        for p in lines
    ]
    print(table(["whse", "bin", "sku", "description", "qty", "partner", "PO", "line"], rows))
    if args.pdf:
        from outbound.pdf.documents import pick_list_pdf

        Path(args.pdf).write_bytes(pick_list_pdf(lines))
        print(f"pick list written to {args.pdf}")
    return 0


def _shipment_data(args: argparse.Namespace) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if args.file:
        text = Path(args.file).read_text(encoding="utf-8")
        if args.file.endswith((".yaml", ".yml")):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            data = json.loads(text)
    for key in (
        "shipment_id",
        "warehouse",
        "carrier_scac",
        "carrier_name",
        "bill_of_lading",
        "tracking_number",
    ):
        value = getattr(args, key, None)
        if value:
            data[key] = value
    if args.line:
        per = Decimal(args.per_carton) if args.per_carton else None
        cartons = []
        for spec in args.line:
            number, _, qty = spec.partition("=")
            try:
                left = Decimal(qty)
            except InvalidOperation:
                raise SystemExit(f"ordergate: --line wants LINE=QTY, not {spec!r}") from None
            while left > 0:
                take = min(left, per) if per else left
                cartons.append({"lines": [{"line": number, "quantity": str(take)}]})
                left -= take
        data["cartons"] = cartons
    if args.pallets:
        data["pallets"] = args.pallets
    return data


def _cmd_ship(args: argparse.Namespace) -> int:
    from gateway.services.fulfilment import carton_labels, find_sales_order, shipment_from_data
    from gateway.services.shipping import describe, record_shipment

    runtime = _runtime(args)
    try:
        ctx = runtime.context
        with ctx.uow() as uow:
            so_id = find_sales_order(uow, args.po, args.partner)
        shipment = shipment_from_data(_shipment_data(args), ctx.clock().date())
        result = record_shipment(ctx, so_id, shipment)
        runtime.drain()
        if args.labels:
            Path(args.labels).write_bytes(carton_labels(ctx, result.shipment_id))
    finally:
        runtime.engine.dispose()
    print(json.dumps(describe(result), indent=2))
    return 0


def _cmd_invoice(args: argparse.Namespace) -> int:
    from gateway.services.fulfilment import find_sales_order, invoice_document
    from gateway.services.invoicing import invoice_order

    runtime = _runtime(args)
    try:
        ctx = runtime.context
        with ctx.uow() as uow:
            so_id = find_sales_order(uow, args.po, args.partner)
        result = invoice_order(ctx, so_id)
        runtime.drain()
        if args.pdf:
            Path(args.pdf).write_bytes(invoice_document(ctx, result.invoice_id)[1])
    finally:
        runtime.engine.dispose()
    print(f"invoice {result.number}: {result.total} (810 {'stored' if result.outbound_id else 'not wanted'})")
    return 0


def _cmd_invoices(args: argparse.Namespace) -> int:
    from gateway.entrypoints.tables import table
    from outbound.accounting import invoices_csv

    runtime = _runtime(args)
    try:
        with runtime.context.uow() as uow:
            stored = uow.invoices.list(partner_id=args.partner)
    finally:
        runtime.engine.dispose()
    invoices = [s.invoice for s in stored]
    if args.export:
        text = invoices_csv(invoices)
        if args.export == "-":
            sys.stdout.write(text)
            return 0
        Path(args.export).write_text(text, encoding="utf-8", newline="")
        print(f"{len(invoices)} invoices exported to {args.export}")
        return 0
    rows = [
        [
            i.number,
            i.invoice_date.isoformat(),
            i.partner_id,
            i.po_number,
            ", ".join(i.shipment_ids),
            i.terms.text,
            f"{i.total:.2f}",
        ]
        for i in invoices
    ]
    print(table(["invoice", "date", "partner", "PO", "shipments", "terms", "total"], rows))
    return 0


def _cmd_stock_receive(args: argparse.Namespace) -> int:
    from gateway.services.stock import receive_stock

    try:
        quantity = Decimal(args.quantity)
    except InvalidOperation:
        print(f"ordergate: {args.quantity!r} is not a quantity", file=sys.stderr)
        return 2
    runtime = _runtime(args)
    try:
        result = receive_stock(runtime.context, args.sku, args.warehouse, quantity)
        runtime.drain()
    finally:
        runtime.engine.dispose()
    print(
        f"{args.sku} @ {args.warehouse}: +{quantity.normalize():f}, on hand {result.on_hand.normalize():f}, "
        f"available {result.available.normalize():f}"
    )
    for r in result.released:
        print(
            f"  released {r.quantity.normalize():f} to {r.partner_id} PO {r.po_number} line {r.line_number}"
        )
    if result.po_acks:
        print(f"  {len(result.po_acks)} new 855s sent")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("pick", help="what to pick: allocated, unshipped quantities by warehouse")
    p.add_argument("--warehouse", help="only this warehouse")
    p.add_argument("--pdf", metavar="FILE", help="also write the pick list as a PDF")
    data_options(p)
    p.set_defaults(func=_cmd_pick)

    p = sub.add_parser("ship", help="record a shipment of an order: stock, SSCCs, 856 (and 810)")
    p.add_argument("po", metavar="PO")
    p.add_argument("--partner", help="partner id, when two partners used the same PO number")
    p.add_argument("--file", help="the shipment as JSON or YAML (cartons, carrier, ...)")
    p.add_argument(
        "--line", action="append", metavar="LINE=QTY", help="ship QTY of PO line LINE (repeatable)"
    )
    p.add_argument("--per-carton", metavar="QTY", help="with --line: at most QTY to a carton")
    p.add_argument("--pallets", type=int, default=0, help="pallets (tare level) on the shipment")
    p.add_argument("--shipment-id", dest="shipment_id", help="BSN02 (default: numbered)")
    p.add_argument("--warehouse", help="the warehouse it leaves (default: where the lines are allocated)")
    p.add_argument("--carrier", dest="carrier_scac", help="carrier SCAC")
    p.add_argument("--carrier-name", dest="carrier_name")
    p.add_argument("--bol", dest="bill_of_lading", help="bill of lading number")
    p.add_argument("--tracking", dest="tracking_number")
    p.add_argument("--labels", metavar="FILE", help="write the carton labels (GS1-128) as a PDF")
    data_options(p)
    p.set_defaults(func=_cmd_ship)

    p = sub.add_parser("invoice", help="invoice what has shipped and is not billed yet (810 when wanted)")
    p.add_argument("po", metavar="PO")
    p.add_argument("--partner")
    p.add_argument("--pdf", metavar="FILE", help="also write the invoice as a PDF")
    data_options(p)
    p.set_defaults(func=_cmd_invoice)

    p = sub.add_parser("invoices", help="list invoices, or export them as CSV for accounting")
    p.add_argument("--partner")
    p.add_argument("--export", metavar="CSV", help="write the CSV here ('-' for standard output)")
    data_options(p)
    p.set_defaults(func=_cmd_invoices)

    p = sub.add_parser("stock", help="stock movements")
    stock_sub = p.add_subparsers(dest="stock_command", required=True, metavar="ACTION")
    r = stock_sub.add_parser("receive", help="goods arrive: on hand up, backorders released")
    r.add_argument("sku", metavar="SKU")
    r.add_argument("warehouse", metavar="WAREHOUSE")
    r.add_argument("quantity", metavar="QTY")
    data_options(r)
    r.set_defaults(func=_cmd_stock_receive)


# the demo's second half ---------------------------------------------------------------------
DEMO_SHIPMENTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    # (partner, PO, shipment): everything open unless cartons are given
    ("ACMEHARDWARE", "4500018812", {"carrier_scac": "UPSN", "bill_of_lading": "BOL-DEMO-1"}),
    (
        "ACMEHARDWARE",
        "4500018840",  # partly: ten of the twenty tape measures confirmed, and the hex keys
        {
            "carrier_scac": "UPSN",
            "bill_of_lading": "BOL-DEMO-2",
            "cartons": [
                {"lines": [{"line": "1", "quantity": "10"}], "weight": "9.5"},
                {"lines": [{"line": "2", "quantity": "12"}], "weight": "6"},
            ],
        },
    ),
    ("BRIGHTSUPPLY", "BS-2026-0917", {"carrier_scac": "FXFE", "carrier_name": "FedEx Freight", "pallets": 1}),
    ("CORNERSTORE", "118204", {"carrier_scac": "ODFL"}),
)
DEMO_RECEIPT = ("TB-0090", "COL", Decimal(24))  # releases Acme's backordered tape measures


def run_demo_fulfilment(settings: Any) -> list[str]:
    """Pick, pack, ship (one order partly), receive stock, invoice: the demo's fulfilment, as lines
    of text.  The PDFs and the accounting CSV go to the data folder."""
    from gateway.bootstrap import build
    from gateway.entrypoints.tables import table
    from gateway.services.fulfilment import (
        carton_labels,
        find_sales_order,
        invoice_document,
        pick_list,
        shipment_from_data,
    )
    from gateway.services.shipping import record_shipment
    from gateway.services.stock import receive_stock
    from outbound.accounting import invoices_csv
    from outbound.pdf.documents import pick_list_pdf

    out: list[str] = []
    folder: Path = settings.data_dir
    runtime = build(settings)
    ctx = runtime.context
    try:
        picks = pick_list(ctx)
        (folder / "pick-list.pdf").write_bytes(pick_list_pdf(picks))
        out.append(f"Pick list: {len(picks)} lines in {len({p.warehouse for p in picks})} warehouses")
        rows = []
        for partner, po, data in DEMO_SHIPMENTS:
            with ctx.uow() as uow:
                so_id = find_sales_order(uow, po, partner)
            result = record_shipment(ctx, so_id, shipment_from_data(dict(data), ctx.clock().date()))
            runtime.drain()
            if not rows:
                (folder / "labels.pdf").write_bytes(carton_labels(ctx, result.shipment_id))
            inv = result.invoice
            rows.append(
                [
                    result.shipment_number,
                    partner,
                    po,
                    str(len(result.ssccs)),
                    "856" if result.ship_notice_id else "-",
                    f"{inv.number} {inv.total:.2f}" + (" (810)" if inv.outbound_id else "") if inv else "-",
                ]
            )
        out.append(table(["shipment", "partner", "PO", "cartons", "sent", "invoice"], rows))
        sku, warehouse, quantity = DEMO_RECEIPT
        receipt = receive_stock(ctx, sku, warehouse, quantity)
        runtime.drain()
        released = ", ".join(
            f"{r.quantity.normalize():f} to {r.po_number} line {r.line_number}" for r in receipt.released
        )
        out.append(
            f"Stock receipt: {quantity} {sku} at {warehouse}; released {released or 'nothing'}"
            + (f"; {len(receipt.po_acks)} new 855" if receipt.po_acks else "")
        )
        with ctx.uow() as uow:
            invoices = uow.invoices.list()
        if invoices:
            (folder / "invoice.pdf").write_bytes(invoice_document(ctx, invoices[0].id)[1])
        (folder / "invoices.csv").write_text(
            invoices_csv([i.invoice for i in invoices]), encoding="utf-8", newline=""
        )
        out.append(f"Printables in {folder}: pick-list.pdf, labels.pdf, invoice.pdf, invoices.csv")
    finally:
        runtime.engine.dispose()
    return out
