"""The ``ordergate`` command line.

Exit codes: 0 everything read, 1 a file had fatal errors (or could not be
opened), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _cmd_parse(args: argparse.Namespace) -> int:
    from gateway.services.parse_documents import parse_file

    documents: list[dict[str, Any]] = []
    failed = False
    for name in args.files:
        path = Path(name)
        try:
            with path.open("rb") as fh:
                results = parse_file(fh)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ordergate", description="EDI and document-ingestion gateway")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("parse", help="print the canonical documents of files as JSON")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--compact", action="store_true", help="one line of JSON")
    p.set_defaults(func=_cmd_parse)

    p = sub.add_parser("ack", help="print the 997/999/TA1 a file earns")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=_cmd_ack)

    p = sub.add_parser("schema", help="print the JSON Schema of the canonical purchase order")
    p.add_argument("--change", action="store_true", help="the purchase-order change instead")
    p.set_defaults(func=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
