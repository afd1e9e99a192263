"""Command groups of the ``ordergate`` command line, one module each.

Every module listed in ``MODULES`` has ``register(sub)``, which adds its
sub-commands to the parser; ``gateway.entrypoints.cli`` calls them in order.
Shared helpers (settings from the options, the database check) live in
``gateway.entrypoints.commands.common``.
"""

from __future__ import annotations

MODULES: tuple[str, ...] = (
    "gateway.entrypoints.commands.serve",
    "gateway.entrypoints.commands.channels",
    "gateway.entrypoints.commands.fulfilment",
    "gateway.entrypoints.commands.ledger",
    "gateway.entrypoints.commands.certs",
    "gateway.entrypoints.commands.users",
    "gateway.entrypoints.commands.workers",
)
