"""How far orders read from PDFs, spreadsheets, cXML and UBL can be trusted, and how fast PDFs are read.

    .venv/bin/python bench/bench_documents.py [--corpus ../shared/corpus] [--repeat 3]

Over the fixture set (``tests/fixtures/{pdf,csv,xlsx,cxml,ubl}``, each with an
``.expected.json`` written from the data the file was made from):

- of the orders that would be confirmed automatically (no review reason),
  how many have every expected field right (the goal: all of them);
- what share goes to review instead;
- PDF extraction time per page (median, 95th percentile, max over ``--repeat`` runs).

With ``--corpus``, the same over the shared corpus's pdf/csv/cxml/ubl folders:
there, correctness is known only for the PO numbers (read by eye, see
``tests/integration/test_document_corpus.py``), so only the review share, the
refusals and the timing are reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.domain.serialize import to_json  # noqa: E402
from gateway.errors import InputError  # noqa: E402
from parsers.detect import detect_format  # noqa: E402
from parsers.documents import read_document  # noqa: E402
from parsers.pdf import reader as pdf_reader  # noqa: E402
from tests.unit.test_document_fixtures import DOCUMENTS, _expected, _layouts, _subset  # noqa: E402


def fixtures(repeat: int) -> dict[str, Any]:
    auto = auto_right = review = refused = 0
    wrong: list[str] = []
    per_page: list[float] = []
    for path in DOCUMENTS:
        expected = _expected(path)
        raw = path.read_bytes()
        fmt = detect_format(raw[:4096])
        layouts = _layouts(expected)
        for _ in range(repeat if fmt == "pdf" else 1):
            try:
                orders = read_document(raw, fmt, layouts)
            except InputError:
                orders = None
            if fmt == "pdf" and orders is not None:
                per_page.extend(pdf_reader.LAST.per_page)
        if orders is None:
            refused += 1
            continue
        for want, po in zip(expected["purchase_orders"], orders, strict=True):
            assert po.extraction is not None
            if po.extraction.needs_review:
                review += 1
                continue
            auto += 1
            check = {
                k: v
                for k, v in want.items()
                if k not in ("needs_review", "review_reasons", "unreadable_rows", "pages")
            }
            problems = _subset(check, to_json(po), path.name)
            if problems:
                wrong.extend(problems)
            else:
                auto_right += 1
    return {
        "documents": len(DOCUMENTS),
        "orders": auto + review,
        "auto": auto,
        "auto_right": auto_right,
        "review": review,
        "refused": refused,
        "wrong": wrong,
        "per_page": per_page,
    }


def corpus(folder: Path, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("pdf", "csv", "cxml", "ubl"):
        files = sorted((folder / kind).glob("*")) if (folder / kind).is_dir() else []
        auto = review = refused = 0
        per_page: list[float] = []
        for path in files:
            raw = path.read_bytes()
            for _ in range(repeat if kind == "pdf" else 1):
                try:
                    orders = read_document(raw, kind)
                except InputError:
                    orders = None
                if kind == "pdf" and orders is not None:
                    per_page.extend(pdf_reader.LAST.per_page)
            if orders is None:
                refused += 1
                continue
            for po in orders:
                assert po.extraction is not None
                review += po.extraction.needs_review
                auto += not po.extraction.needs_review
        out[kind] = {
            "files": len(files),
            "auto": auto,
            "review": review,
            "refused": refused,
            "per_page": per_page,
        }
    return out


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"{statistics.median(values) * 1000:.0f} / {p95 * 1000:.0f} / {values[-1] * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    f = fixtures(args.repeat)
    print(f"fixtures: {f['documents']} documents, {f['orders']} orders, {f['refused']} refused (by design)")
    print(f"  confirmed automatically: {f['auto']}, every field right: {f['auto_right']}")
    print(f"  to review: {f['review']} ({f['review'] * 100 / max(f['orders'], 1):.0f} %)")
    for problem in f["wrong"]:
        print(f"  WRONG: {problem}")
    print(f"  PDF time per page (median / p95 / max): {_ms(f['per_page'])} over {len(f['per_page'])} pages")
    if args.corpus.is_dir():
        c = corpus(args.corpus, args.repeat)
        for kind, r in c.items():
            total = r["auto"] + r["review"]
            print(
                f"corpus {kind}: {r['files']} files, {total} orders, {r['auto']} clean, {r['review']} to review, "
                f"{r['refused']} refused"
                + (
                    f"; per page {_ms(r['per_page'])} over {len(r['per_page'])} pages"
                    if kind == "pdf"
                    else ""
                )
            )
    print(json.dumps({"seconds": round(time.perf_counter() - started, 1)}))
    return 1 if f["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
