"""Purchase orders in spreadsheets: CSV (``csv.py``) and XLSX (``xlsx.py``), read alike (``table.py``)."""

from parsers.tabular.csv import read_csv
from parsers.tabular.xlsx import read_xlsx

__all__ = ["read_csv", "read_xlsx"]
