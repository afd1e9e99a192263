"""``ordergate user``: people who sign in to the admin UI, and API tokens for them or for partners.

    ordergate user add NAME --role operator        # asks for the password twice (or --password-stdin)
    ordergate user password NAME                   # a new password
    ordergate user role NAME admin
    ordergate user disable NAME                    # ends their sessions too
    ordergate user list
    ordergate user token NAME [--label L]          # prints a new API token for the user (shown once)
    ordergate user partner-token PARTNER [--label L]

Passwords are stored as argon2id hashes, tokens as their SHA-256; there is no
default user or password.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from gateway.entrypoints.commands.common import data_options, ready


def _uow(args: argparse.Namespace) -> Any:
    from gateway.adapters.db.engine import make_engine
    from gateway.adapters.db.uow import SqlUnitOfWork

    return SqlUnitOfWork(make_engine(ready(args).db_url))


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the passwords differ")
    return first


def _cmd_add(args: argparse.Namespace) -> int:
    from gateway.entrypoints.admin.security import hash_password

    password_hash = hash_password(_password(args))
    with _uow(args) as uow:
        user_id = uow.users.add(args.name, password_hash, args.role)
        uow.audit.record("cli", "user", user_id, "created", {"username": args.name, "role": args.role})
        uow.commit()
    print(f"user {args.name} ({args.role}) created")
    return 0


def _cmd_password(args: argparse.Namespace) -> int:
    from gateway.entrypoints.admin.security import hash_password

    password_hash = hash_password(_password(args))
    with _uow(args) as uow:
        uow.users.set_password(args.name, password_hash)
        uow.audit.record("cli", "user", args.name, "password_changed", None)
        uow.commit()
    print(f"password of {args.name} changed")
    return 0


def _cmd_role(args: argparse.Namespace) -> int:
    with _uow(args) as uow:
        uow.users.set_role(args.name, args.role)
        uow.audit.record("cli", "user", args.name, "role_changed", {"role": args.role})
        uow.commit()
    print(f"{args.name} is now {args.role}")
    return 0


def _cmd_disable(args: argparse.Namespace) -> int:
    with _uow(args) as uow:
        uow.users.set_active(args.name, False)
        uow.audit.record("cli", "user", args.name, "disabled", None)
        uow.commit()
    print(f"{args.name} disabled")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    with _uow(args) as uow:
        for u in uow.users.list():
            print(f"{u.username:<24} {u.role:<9} {'active' if u.active else 'disabled'}")
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    from gateway.entrypoints.admin.security import new_secret

    token = new_secret()
    with _uow(args) as uow:
        if args.partner:
            if uow.partners.get(args.name) is None:
                raise ValueError(f"no trading partner {args.name}")
            token_id = uow.users.add_token(token, args.label or args.name, partner_id=args.name)
        else:
            user = uow.users.get_by_name(args.name)
            if user is None:
                raise ValueError(f"no user {args.name}")
            token_id = uow.users.add_token(token, args.label or args.name, user_id=user.id)
        uow.audit.record("cli", "api_token", token_id, "created", {"for": args.name, "partner": args.partner})
        uow.commit()
    print(token)
    return 0


def _guarded(fn: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        from gateway.errors import GatewayError

        try:
            return int(fn(args))
        except (GatewayError, ValueError) as exc:
            print(f"ordergate: {getattr(exc, 'message', exc)}", file=sys.stderr)
            return 1

    return run


def register(sub: Any) -> None:
    p = sub.add_parser("user", help="admin UI users and API tokens")
    users = p.add_subparsers(dest="user_command", required=True)

    add = users.add_parser("add", help="create a user")
    add.add_argument("name")
    add.add_argument("--role", choices=("viewer", "operator", "admin"), default="viewer")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=_guarded(_cmd_add))

    pw = users.add_parser("password", help="set a user's password")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(func=_guarded(_cmd_password))

    role = users.add_parser("role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("role", choices=("viewer", "operator", "admin"))
    role.set_defaults(func=_guarded(_cmd_role))

    dis = users.add_parser("disable", help="disable a user and end their sessions")
    dis.add_argument("name")
    dis.set_defaults(func=_guarded(_cmd_disable))

    ls = users.add_parser("list", help="list users")
    ls.set_defaults(func=_guarded(_cmd_list))

    tok = users.add_parser("token", help="print a new API token for a user")
    tok.add_argument("name")
    tok.add_argument("--label")
    tok.set_defaults(func=_guarded(_cmd_token), partner=False)

    ptok = users.add_parser("partner-token", help="print a new API token for a trading partner")
    ptok.add_argument("name", metavar="PARTNER")
    ptok.add_argument("--label")
    ptok.set_defaults(func=_guarded(_cmd_token), partner=True)

    for sp in (add, pw, role, dis, ls, tok, ptok):
        data_options(sp)
