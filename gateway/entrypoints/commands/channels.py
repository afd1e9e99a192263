"""``ordergate poll`` (inbound channels on their intervals) and ``ordergate deliveries`` (outbound state)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from gateway.entrypoints.commands.common import data_options, ready


def _runtime(settings: Any) -> Any:
    from gateway.bootstrap import build, build_queued

    return build_queued(settings)[0] if settings.queued else build(settings)


def _shared(settings: Any) -> dict[str, int]:
    return {"imap": settings.imap_poll_seconds} if settings.imap_host and settings.imap_user else {}


def _cmd_poll(args: argparse.Namespace) -> int:
    from gateway.services.polling import poll_channel, poll_due

    settings = ready(args)
    runtime = _runtime(settings)
    ctx = runtime.context
    try:
        while True:
            if args.partner:
                due = [
                    (args.partner, c)
                    for c in (args.channel or ["folder", "sftp", "sftp_push"])
                    if c in ctx.pollers
                ]
                for partner_id, channel in due:
                    stored = poll_channel(ctx, partner_id, channel)
                    print(f"{partner_id} {channel}: {stored} document(s) stored")
            else:
                due = poll_due(ctx, shared=_shared(settings))
                for partner_id, channel in due:
                    print(f"poll {partner_id} {channel}")
            done = runtime.drain()
            if done:
                print(f"{done} step(s) run")
            if not args.forever:
                break
            time.sleep(args.every)
    except KeyboardInterrupt:
        pass
    finally:
        runtime.engine.dispose()
    return 0


def _cmd_deliveries(args: argparse.Namespace) -> int:
    from gateway.services.polling import resend, retry_deliveries

    settings = ready(args)
    runtime = _runtime(settings)
    ctx = runtime.context
    try:
        if args.resend:
            found = resend(ctx, args.resend, actor="cli")
            missing = sorted(set(args.resend) - set(found))
            runtime.drain()
            for out_id in missing:
                print(f"no outbound document {out_id}")
            if missing:
                return 1
        elif args.retry:
            ids = retry_deliveries(ctx)
            runtime.drain()
            print(f"{len(ids)} delivery attempt(s) due")
        status = "failed" if args.failed else args.status
        with ctx.uow() as uow:
            rows = uow.outbound.list(partner_id=args.partner, delivery_status=status)
            if args.resend:
                rows = uow.outbound.get_many(args.resend)
        print(f"{'id':>6}  {'partner':<16} {'type':<8} {'status':<8} {'channel':<8} {'tries':>5}  last error")
        for o in rows[-args.limit :]:
            error = (o.last_error or "").replace("\n", " ")[:80]
            print(
                f"{o.id:>6}  {o.partner_id:<16} {o.doc_type:<8} {o.delivery_status:<8} "
                f"{o.channel or '-':<8} {o.attempts:>5}  {error}"
            )
    finally:
        runtime.engine.dispose()
    return 0


def _cmd_sftp_server(args: argparse.Namespace) -> int:
    from gateway.adapters.channels.sftp_server import SftpServer, accounts, fingerprint, load_host_key
    from gateway.bootstrap import build

    settings = ready(args)
    runtime = build(settings)

    def lookup() -> dict[str, Any]:
        with runtime.context.uow() as uow:
            return accounts(uow.partners.list(active_only=True), settings.sftp_root)

    key = load_host_key(settings.sftp_host_key)
    host = args.host or settings.sftp_server_host
    port = args.port or settings.sftp_server_port
    print(f"SFTP for pushing partners on {host}:{port}, homes under {settings.sftp_root}")
    print(f"host key {fingerprint(key)} (partners pin this)")
    print("accounts: " + (", ".join(sorted(lookup())) or "none (add channels.sftp_push to a profile)"))
    try:
        SftpServer(lookup, key, host, port).serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.engine.dispose()
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "poll", help="fetch documents from partners' drop folders, SFTP servers and the mailbox"
    )
    p.add_argument("--forever", action="store_true", help="keep polling (each channel at its interval)")
    p.add_argument("--every", type=float, default=5.0, help="seconds between rounds with --forever")
    p.add_argument("--partner", help="poll this partner now, whatever its interval")
    p.add_argument(
        "--channel",
        action="append",
        choices=["folder", "sftp", "sftp_push"],
        help="with --partner: only these",
    )
    data_options(p)
    p.set_defaults(func=_cmd_poll)

    d = sub.add_parser("deliveries", help="outbound documents and their delivery state; resend failed ones")
    d.add_argument("--failed", action="store_true", help="only those whose delivery failed for good")
    d.add_argument("--status", choices=["pending", "sent", "failed"], help="only this delivery status")
    d.add_argument("--partner", help="only this partner's")
    d.add_argument("--resend", type=int, nargs="+", metavar="ID", help="send these again from the start")
    d.add_argument("--retry", action="store_true", help="make the delivery attempts that are due now")
    d.add_argument("--limit", type=int, default=50, help="show at most this many (the newest)")
    data_options(d)
    d.set_defaults(func=_cmd_deliveries)

    s = sub.add_parser(
        "sftp-server", help="the SFTP server partners push to (key login, a chrooted home each)"
    )
    s.add_argument("--host", help="address to listen on (default ORDERGATE_SFTP_SERVER_HOST or 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default ORDERGATE_SFTP_SERVER_PORT or 2222)")
    data_options(s)
    s.set_defaults(func=_cmd_sftp_server)
