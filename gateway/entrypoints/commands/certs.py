"""``ordergate certs``: our AS2 certificates and every partner's, with the days each has left.

The newest valid certificate of each owner is marked ``signs``/``encrypts`` (it is
the one used); the other valid ones still verify and decrypt during a rollover.
Those expiring within ``--warn-days`` (or expired, or missing) are warned about on
stderr and in the log, and make the exit code 1, so a scheduled run can alert.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from gateway.entrypoints.commands.common import settings_from

log = logging.getLogger("gateway.certs")
log.addHandler(logging.NullHandler())  # printed below; logged where logging is set up


def _rows(owner: str, certs: list[Any], now: datetime, warn_days: int) -> tuple[list[list[str]], list[str]]:
    from gateway.domain.as2 import current, days_left, valid_at

    used = current(certs, now)
    rows, warnings = [], []
    for cert in sorted(certs, key=lambda c: c.not_after, reverse=True):
        left = days_left(cert, now)
        if cert.not_after < now:
            state = "expired"
        elif cert.not_before > now:
            state = "not yet valid"
        elif left <= warn_days:
            state = "expiring"
        else:
            state = "valid"
        role = "in use" if cert is used else ("verifies" if valid_at(cert, now) else "-")
        rows.append(
            [
                owner,
                cert.subject,
                cert.not_before.date().isoformat(),
                cert.not_after.date().isoformat(),
                str(left),
                state,
                role,
                cert.source,
            ]
        )
        if state in ("expired", "expiring"):
            warnings.append(f"{owner}: {cert.subject} ({cert.source}) {state}, {left} days left")
    return rows, warnings


def _cmd_certs(args: argparse.Namespace) -> int:
    from gateway.adapters.channels.as2 import load_identity, partner_certificates
    from gateway.adapters.channels.as2_mime import As2ConfigurationError
    from gateway.entrypoints.tables import table
    from mappings.loader import load_partners

    settings = settings_from(args)
    now = datetime.now(UTC)
    rows: list[list[str]] = []
    warnings: list[str] = []
    try:
        identity = load_identity(settings.as2_id, settings.as2_key, settings.as2_certificate)
        r, w = _rows(f"us ({identity.as2_id})", [k.certificate for k in identity.keys], now, args.warn_days)
        rows += r
        warnings += w
        if not identity.keys:
            warnings.append("us: no AS2 key or certificate configured (ORDERGATE_AS2_KEY, _CERTIFICATE)")
    except As2ConfigurationError as exc:
        warnings.append(f"us: {exc}")
    for profile in load_partners(settings.partners_dir).values():
        if profile.as2 is None:
            continue
        owner = f"{profile.id} ({profile.as2_id or '-'})"
        certs = partner_certificates(profile.as2.certificates)
        found = {c.source for c in certs}
        for missing in (p for p in profile.as2.certificates if p not in found):
            rows.append([owner, "-", "-", "-", "-", "missing", "-", missing])
            warnings.append(f"{owner}: certificate file {missing} is missing or unreadable")
        r, w = _rows(owner, certs, now, args.warn_days)
        rows += r
        warnings += w
    headers = ["owner", "subject", "valid from", "valid to", "days left", "state", "role", "file"]
    print(table(headers, rows) if rows else "no AS2 certificates configured")
    for warning in warnings:
        log.warning("%s", warning)
        print(f"warning: {warning}", file=sys.stderr)
    return 1 if warnings else 0


def register(sub: Any) -> None:
    p = sub.add_parser("certs", help="AS2 certificates (ours and the partners'), with the days each has left")
    p.add_argument("--warn-days", type=int, default=30, help="warn about those expiring within N days (30)")
    p.add_argument("--data-dir", help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_certs)
