"""Purchase orders in spreadsheets: CSV (``csv.py``) and XLSX (``xlsx.py``), read alike (``table.py``)."""

from parsers.tabular.csv import csv_rows, read_csv
from parsers.tabular.table import SheetRow, header_index
from parsers.tabular.xlsx import read_xlsx, xlsx_rows

__all__ = ["SheetRow", "csv_rows", "header_index", "read_csv", "read_xlsx", "xlsx_rows"]
