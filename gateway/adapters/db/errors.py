"""The database adapter raises these from the gateway's one error tree (``gateway.errors``)."""

from __future__ import annotations

from gateway.errors import DuplicatePurchaseOrder, Oversell, StorageConflict

__all__ = ["DuplicatePurchaseOrder", "Oversell", "StorageConflict"]
