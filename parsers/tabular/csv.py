"""CSV purchase orders: encoding, delimiter and quoting sniffed, then read as a table (``table.py``)."""

from __future__ import annotations

import csv
import io

from gateway.domain.layouts import ColumnMap
from gateway.domain.model import PurchaseOrder
from gateway.errors import InputError
from parsers.tabular.table import SheetRow, rows_to_orders
from parsers.tabular.text import decode, sniff_delimiter

MAX_BYTES = 50 * 1024 * 1024
csv.field_size_limit(1024 * 1024)


def read_csv(
    raw: bytes, column_map: ColumnMap | None = None, *, max_bytes: int = MAX_BYTES
) -> list[PurchaseOrder]:
    """The purchase orders of a CSV file (``InputError`` when it cannot be read as one at all)."""
    return rows_to_orders(csv_rows(raw, column_map, max_bytes=max_bytes), "csv", column_map)


def csv_rows(
    raw: bytes, column_map: ColumnMap | None = None, *, max_bytes: int = MAX_BYTES
) -> list[SheetRow]:
    """The rows of a CSV file as the reader sees them, numbered by the file line each starts on."""
    if len(raw) > max_bytes:
        raise InputError(
            f"{len(raw)} bytes: more than the {max_bytes} a CSV file may have", code="document.too_large"
        )
    text, _encoding = decode(raw, column_map.encoding if column_map else None)
    delimiter = (column_map.delimiter if column_map else None) or sniff_delimiter(text)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', skipinitialspace=False
    )
    rows: list[SheetRow] = []
    start = 1
    try:
        for cells in reader:
            rows.append(SheetRow(start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: {exc}", code="csv.unreadable") from None
    return rows
