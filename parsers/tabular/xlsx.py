"""XLSX purchase orders (openpyxl, read-only, values not formulas), read as a table (``table.py``)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

from gateway.domain.layouts import ColumnMap
from gateway.domain.model import PurchaseOrder
from gateway.errors import InputError
from parsers.tabular.table import MAX_ROWS, SheetRow, rows_to_orders

MAX_BYTES = 50 * 1024 * 1024
MAX_UNPACKED = 500 * 1024 * 1024  # a zip bomb is refused before openpyxl unpacks it


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        d = Decimal(repr(value))
        return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    return str(value)


def read_xlsx(
    raw: bytes, column_map: ColumnMap | None = None, *, max_bytes: int = MAX_BYTES
) -> list[PurchaseOrder]:
    """The purchase orders of the first sheet (or the column map's) of an XLSX workbook."""
    return rows_to_orders(xlsx_rows(raw, column_map, max_bytes=max_bytes), "xlsx", column_map)


def xlsx_rows(
    raw: bytes, column_map: ColumnMap | None = None, *, max_bytes: int = MAX_BYTES
) -> list[SheetRow]:
    """The rows of the sheet an order is read from (the column map's, else the first), numbered from 1."""
    from openpyxl import load_workbook

    if len(raw) > max_bytes:
        raise InputError(
            f"{len(raw)} bytes: more than the {max_bytes} a workbook may have", code="document.too_large"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", code="xlsx.broken") from None
    if unpacked > MAX_UNPACKED:
        raise InputError(f"the workbook unpacks to {unpacked} bytes: refused", code="document.too_large")
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise InputError(
            f"not a readable XLSX workbook: {type(exc).__name__}: {exc}", code="xlsx.broken"
        ) from None
    try:
        name = column_map.sheet if column_map and column_map.sheet else None
        if name is not None and name not in wb.sheetnames:
            raise InputError(
                f"the workbook has no sheet {name!r} ({', '.join(wb.sheetnames)})", code="xlsx.no_sheet"
            )
        ws = wb[name] if name is not None else wb.worksheets[0]
        rows: list[SheetRow] = []
        try:
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS:
                    raise InputError(f"more than {MAX_ROWS} rows", code="document.too_large")
                rows.append(SheetRow(number, [_text(v) for v in values]))
        except InputError:
            raise
        except Exception as exc:
            raise InputError(
                f"the sheet cannot be read: {type(exc).__name__}: {exc}", code="xlsx.broken"
            ) from None
    finally:
        wb.close()
    return rows
