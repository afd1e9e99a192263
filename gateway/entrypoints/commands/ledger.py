"""``ordergate ledger PO``, ``ordergate overdue``, ``ordergate resend OUTBOUND_ID`` and
``ordergate control-numbers``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.entrypoints.commands.common import data_options, ready


def _open(args: argparse.Namespace) -> Any:
    from gateway.bootstrap import build

    return build(ready(args))


def _cmd_ledger(args: argparse.Namespace) -> int:
    from gateway.services.ledger import timeline

    runtime = _open(args)
    try:
        with runtime.context.uow() as uow:
            found = uow.sales_orders.by_po_number(args.po, args.partner)
            ids = [so.purchase_order_id for so in found]
            if not ids:
                stored = uow.purchase_orders.find(args.partner, args.po) if args.partner else None
                ids = [stored.id] if stored is not None else []
            if not ids:
                print(f"ordergate: no order {args.po}", file=sys.stderr)
                return 1
            for po_id in ids:
                stored = uow.purchase_orders.get(po_id)
                print(f"PO {args.po} from {stored.partner_id if stored else '?'} (purchase order {po_id})")
                for e in timeline(uow, po_id, now=runtime.context.clock()):
                    arrow = "<-" if e.direction == "in" else "->"
                    ref = f"doc {e.document_id}" if e.direction == "in" else f"out {e.outbound_id}"
                    print(
                        f"  {e.at:%Y-%m-%d %H:%M:%S} {arrow} {e.document:<4} {e.status:<20} "
                        f"{e.control or '-':<22} {ref:<9} {e.summary}"
                    )
    finally:
        runtime.engine.dispose()
    return 0


def _cmd_overdue(args: argparse.Namespace) -> int:
    from gateway.services.ledger import overdue

    runtime = _open(args)
    now = runtime.context.clock()
    try:
        with runtime.context.uow() as uow:
            items = overdue(uow, now)
    finally:
        runtime.engine.dispose()
    if not items:
        print("No document is waiting for an acknowledgement beyond its partner's window.")
        return 0
    print(
        f"{'outbound':>8}  {'partner':<14} {'doc':<4} {'PO':<14} {'control':<22} {'sent (UTC)':<16} overdue"
    )
    for o in items:
        hours = o.overdue_by(now).total_seconds() / 3600
        print(
            f"{o.outbound_id:>8}  {o.partner_id:<14} {o.document:<4} {o.po_number or '-':<14} "
            f"{o.control or '-':<22} {o.sent_at:%Y-%m-%d %H:%M} {hours:.1f} h"
        )
    return 0


def _cmd_resend(args: argparse.Namespace) -> int:
    from gateway.services.ledger import resend

    runtime = _open(args)
    try:
        resend(runtime.context, args.outbound_id, actor="cli")
        runtime.drain()
    finally:
        runtime.engine.dispose()
    print(f"outbound document {args.outbound_id} delivered again")
    return 0


def _cmd_control_numbers(args: argparse.Namespace) -> int:
    runtime = _open(args)
    try:
        with runtime.context.uow() as uow:
            rows = [r for r in uow.control_numbers.counters() if args.partner in (None, r[0])]
            if not rows:
                print("no control numbers handed out yet")
                return 0
            print(
                f"{'partner':<24} {'level':<5} {'last':>10} {'cycle':>5}  voided (handed out, in no document)"
            )
            for partner, level, last, cycle in rows:
                voided = uow.control_numbers.voided(partner, level)
                shown = ", ".join(str(v) for v in voided[:20]) + (" ..." if len(voided) > 20 else "")
                detail = f"{len(voided)}: {shown}" if voided else "0"
                print(f"{partner:<24} {level:<5} {last:>10} {cycle:>5}  {detail}")
    finally:
        runtime.engine.dispose()
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("ledger", help="everything received and sent about one purchase order, in order")
    p.add_argument("po", help="the purchase order number")
    p.add_argument("--partner", help="the partner id, when several partners use the number")
    data_options(p)
    p.set_defaults(func=_cmd_ledger)

    p = sub.add_parser("overdue", help="documents we sent whose 997/999 is overdue")
    data_options(p)
    p.set_defaults(func=_cmd_overdue)

    p = sub.add_parser("resend", help="deliver a stored outbound document again, unchanged")
    p.add_argument("outbound_id", type=int, help="the outbound document id (see `ordergate ledger`)")
    data_options(p)
    p.set_defaults(func=_cmd_resend)

    p = sub.add_parser(
        "control-numbers",
        help="each partner's ISA13/GS06/ST02 counters and the numbers voided (a gap a partner may see)",
    )
    p.add_argument("--partner", help="one partner's key, as QUALIFIER:ID (e.g. ZZ:ACMEHARDWARE)")
    data_options(p)
    p.set_defaults(func=_cmd_control_numbers)
