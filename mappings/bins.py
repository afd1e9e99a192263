"""Bin locations (``bins.csv`` in the catalog folder, optional): where a SKU sits in a warehouse.

    sku,warehouse,bin          one row per SKU and warehouse; lines starting with # are comments

The pick list walks the bins in order.  Problems name the file and the row.
"""

from __future__ import annotations

import csv
from pathlib import Path

from gateway.errors import ConfigurationError

BINS_FILE = "bins.csv"


def load_bins(directory: Path) -> dict[tuple[str, str], str]:
    """(sku, warehouse) → bin; empty when the folder has no ``bins.csv``."""
    path = directory / BINS_FILE
    if not path.is_file():
        return {}
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    if reader.fieldnames is None or not {"sku", "warehouse", "bin"} <= set(reader.fieldnames):
        raise ConfigurationError(f"{path}: the header must name sku, warehouse and bin")
    out: dict[tuple[str, str], str] = {}
    for n, row in enumerate(reader, start=2):
        sku, warehouse, where = (row.get(k, "").strip() for k in ("sku", "warehouse", "bin"))
        if not (sku and warehouse and where):
            raise ConfigurationError(f"{path}: row {n}: sku, warehouse and bin are all required")
        if (sku, warehouse) in out:
            raise ConfigurationError(f"{path}: row {n}: {sku} in {warehouse} has a bin already")
        out[(sku, warehouse)] = where
    return out
