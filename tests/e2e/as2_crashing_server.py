"""``ordergate serve`` that dies right after an AS2 payload is committed, before its MDN is sent.

Run as ``python -m tests.e2e.as2_crashing_server serve --port N``; the exit code is 17.  Importing
this module changes nothing: the endpoint is patched only when it runs as the main module.
"""

from __future__ import annotations

import os
import sys
from typing import Any

CRASH_EXIT = 17


def main(argv: list[str]) -> int:
    from gateway.entrypoints.api.routers import as2 as as2_router
    from gateway.entrypoints.cli import main as cli

    store = as2_router.store_as2_payload

    def store_then_die(*args: Any, **kwargs: Any) -> Any:
        store(*args, **kwargs)
        os._exit(CRASH_EXIT)  # the process is gone: no MDN, no pipeline

    as2_router.store_as2_payload = store_then_die
    return cli(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
