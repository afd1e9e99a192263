"""The admin detail of orders read from PDFs, spreadsheets and XML, over HTTP on SQLite and PostgreSQL.

Fixture documents go through the pipeline for Acme (``receive(..., partner_id=...)``);
the order page then shows the raw document beside the parsed result: the PDF
pages as images with the regions read outlined (scaled from points to the
image's pixels), the sheet's rows with the header, each line's row and the
unreadable rows marked, the XML indented; and the fields with where they came
from and the review reasons with their locations.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

from PIL import Image

from gateway.entrypoints.admin.documents import SCALE
from gateway.services.receive import receive
from tests.integration.review_fixtures import Site, open_site
from tests.integration.test_admin_ui import sign_in

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACME = "ACMEHARDWARE"
RECT = re.compile(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)">')


def _ingest(site: Site, name: str) -> tuple[int, int]:
    """(document id, purchase order id) of a fixture received from Acme."""
    p = site.pipeline
    document_id = receive(
        p.ctx, (FIXTURES / name).read_bytes(), channel="email", filename=name, partner_id=ACME
    )
    p.runtime.drain()
    with p.uow() as uow:
        (stored,) = uow.purchase_orders.for_document(document_id)
    return document_id, stored.id


def _groups(page: str) -> list[tuple[str, list[float]]]:
    """(class, [x, y, width, height]) of every region drawn, in order."""
    found = re.findall(
        r'<g class="(region[^"]*)" data-field="[^"]*">\s*<title>[^<]*</title>\s*' + RECT.pattern, page
    )
    return [(cls, [float(v) for v in rect]) for cls, *rect in found]


def test_a_pdf_order_shows_its_page_with_the_regions_outlined(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        document_id, po_id = _ingest(site, "pdf/total-mismatch.pdf")
        with site.pipeline.uow() as uow:
            stored = uow.purchase_orders.get(po_id)
        assert stored is not None and stored.document.extraction is not None
        extraction = stored.document.extraction
        located = [f for f in extraction.fields if f.region is not None]
        assert sign_in(site.client, "operator") == 303
        r = site.client.get(f"/admin/orders/{po_id}")
        assert r.status_code == 200
        page = r.text
        src = f"/admin/documents/{document_id}/pages/1.png"
        assert f'src="{src}"' in page
        # one page, A4/Letter in points times the scale; the SVG has the image's pixel size
        (w, h) = re.search(r'<svg class="regions" viewBox="0 0 (\d+) (\d+)"', page).groups()  # type: ignore[union-attr]
        groups = _groups(page)
        fields = [g for g in groups if "reason" not in g[0]]
        reasons = [g for g in groups if "reason" in g[0]]
        assert len(fields) == len(located) == 22
        assert len(reasons) == 2  # the line-amount and total reasons carry a region of their own
        po_number = next(f for f in located if f.field == "po_number")
        assert po_number.region is not None
        x0, top, x1, bottom = po_number.region
        first = fields[0][1]
        assert first == [
            round(x0 * SCALE, 1),
            round(top * SCALE, 1),
            round((x1 - x0) * SCALE, 1),
            round((bottom - top) * SCALE, 1),
        ]
        assert first[0] == 690.0 and int(w) > 800  # 460 pt at 1.5 px/pt
        # the fields a review reason points at are drawn in the warning colour: line 2 and the total
        warned = {
            re.sub(r"\s+", " ", label)
            for label in re.findall(r'<g class="region review" data-field="([^"]+)"', page)
        }
        assert warned == {"L2 item", "L2 desc", "L2 qty", "L2 unit", "L2 price", "L2 amt", "total"}
        # the field list with origins, the reasons with their locations, each line's origin
        assert "document.total_mismatch" in page and "document.line_amount_mismatch" in page
        assert "page 1 at (460, 72)–(500, 82) pt" in page
        assert "total: page 1 at (470, 288)–(501, 298) pt" in html.unescape(page)
        assert page.count('<td class="origin">page 1</td>') == 3
        assert "confidence" in page and "75%" in page
        # the image itself: a PNG of the size the SVG is drawn for
        img = site.client.get(src)
        assert img.status_code == 200 and img.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(img.content)) as im:
            assert im.format == "PNG"
            assert abs(im.size[0] - int(w)) <= 1 and abs(im.size[1] - int(h)) <= 1
            assert im.convert("L").getextrema()[0] < 100  # ink on the page, not a blank render
        cache = site.client.app.state.page_images  # type: ignore[attr-defined]
        renders = cache.renders
        assert site.client.get(src).content == img.content and cache.renders == renders
        assert site.client.get(f"/admin/documents/{document_id}/pages/2.png").status_code == 404
        # the document page shows the same page with the order's regions
        doc = site.client.get(f"/admin/documents/{document_id}").text
        assert f'src="{src}"' in doc and len(_groups(doc)) == 24


def test_a_multipage_pdf_draws_each_field_on_its_own_page(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        document_id, po_id = _ingest(site, "pdf/multipage.pdf")
        with site.pipeline.uow() as uow:
            stored = uow.purchase_orders.get(po_id)
        assert stored is not None and stored.document.extraction is not None
        per_page: dict[int, int] = {}
        for f in stored.document.extraction.fields:
            if f.page is not None and f.region is not None:
                per_page[f.page] = per_page.get(f.page, 0) + 1
        assert len(per_page) >= 2  # the lines run over onto the next pages
        sign_in(site.client, "viewer")
        page = site.client.get(f"/admin/orders/{po_id}").text
        figures = re.split(r'<figure class="pdf-page"', page)[1:]
        assert len(figures) == 3
        for n, fig in enumerate(figures, start=1):
            assert f"/admin/documents/{document_id}/pages/{n}.png" in fig
            assert len(_groups(fig)) == per_page.get(n, 0)
        for n in (1, 2, 3):
            assert site.client.get(f"/admin/documents/{document_id}/pages/{n}.png").status_code == 200


def test_page_images_need_a_session_and_the_viewer_role_is_enough(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        document_id, _ = _ingest(site, "pdf/ruled.pdf")
        src = f"/admin/documents/{document_id}/pages/1.png"
        r = site.client.get(src, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login"
        assert site.client.get(src, headers=site.auth("viewer")).status_code == 200  # a viewer's token
        assert site.client.get(
            src, headers={"Authorization": "Bearer nope"}, follow_redirects=False
        ).status_code in (
            303,
            401,
        )
        assert sign_in(site.client, "viewer") == 303
        r = site.client.get(src)
        assert r.status_code == 200 and r.content.startswith(b"\x89PNG\r\n\x1a\n")
        # not a PDF: no page to render
        x12 = site.client.get(f"/admin/documents/{site.stranger}/pages/1.png")
        assert x12.status_code == 404


def test_a_csv_order_shows_its_rows_with_the_lines_and_unreadable_rows_marked(
    db_url: str, tmp_path: Path
) -> None:
    with open_site(db_url, tmp_path) as site:
        document_id, po_id = _ingest(site, "csv/unreadable-row.csv")
        sign_in(site.client, "operator")
        page = site.client.get(f"/admin/orders/{po_id}").text
        rows = dict(re.findall(r'<tr class="(row-[^"]+)" data-row="(\d+)">', page)[i][::-1] for i in range(6))
        assert rows == {
            "1": "row-header",
            "2": "row-line",
            "3": "row-line",
            "4": "row-unreadable review",
            "5": "row-line",
            "6": "row-unreadable review",
        }
        text = html.unescape(page)
        assert "row 4: quantity 'ten' is not a number" in text
        assert "row 6: 6 cells under 5 headings" in text
        # each line's row is labelled and its source cells marked (item, description, qty, price)
        row5 = re.search(r'data-row="5">(.*?)</tr>', page, re.S).group(1)  # type: ignore[union-attr]
        assert '<span class="badge">line 3</span>' in row5 and row5.count('class="src"') == 4
        assert [o for o in re.findall(r'<td class="origin">([^<]+)</td>', page)] == [
            "row 2",
            "row 3",
            "row 5",
        ]
        assert "document.unreadable_row" in page and "row 4" in page
        doc = site.client.get(f"/admin/documents/{document_id}").text
        assert 'data-row="4"' in doc and "row-unreadable" in doc


def test_an_xlsx_order_marks_the_header_after_a_preamble(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        _, po_id = _ingest(site, "xlsx/bad-quantity.xlsx")
        sign_in(site.client, "viewer")
        page = site.client.get(f"/admin/orders/{po_id}").text
        kinds = dict((n, k) for k, n in re.findall(r'<tr class="(row-[^"]+)" data-row="(\d+)">', page))
        assert (
            kinds["1"] == "row-header" and kinds["2"] == "row-unreadable review" and kinds["3"] == "row-line"
        )
        assert "quantity &#39;lots&#39; is not a number" in page


def test_xml_orders_are_shown_indented_and_escaped(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        _, po_id = _ingest(site, "ubl/total-mismatch.xml")
        sign_in(site.client, "viewer")
        page = site.client.get(f"/admin/orders/{po_id}").text
        xml = re.search(r'<ol class="xml">(.*?)</ol>', page, re.S).group(1)  # type: ignore[union-attr]
        lines = re.findall(r'<li class="(marked)?" value="(\d+)"><code>(.*?)</code>', xml)
        assert "<cbc:" not in xml and len(lines) > 20
        assert lines[2] == (
            "",
            "3",
            "  &lt;cbc:CustomizationID&gt;urn:fdc:peppol.eu:poacc:trns:order:3&lt;/cbc:CustomizationID&gt;",
        )
        marked = [(n, code.strip()) for m, n, code in lines if m]
        assert marked[0] == ("4", "&lt;cbc:ID&gt;UB-901&lt;/cbc:ID&gt;")
        assert len(marked) == 2 and marked[1][1].startswith("&lt;cac:AnticipatedMonetaryTotal")
        assert "po_number = UB-901" in xml and "document.total_mismatch: the lines add up to 1409.50" in xml
        assert "/Order/cbc:ID" in page
        # cXML: the header element that holds the orderID attribute is the one marked
        _, cx_id = _ingest(site, "cxml/order-request.xml")
        cx = site.client.get(f"/admin/orders/{cx_id}").text
        (marked_cx,) = re.findall(r'<li class="marked" value="\d+"><code>(.*?)</code>', cx)
        assert (
            marked_cx.strip().startswith("&lt;OrderRequestHeader")
            and "orderID=&#34;CX-4471&#34;" in marked_cx
        )
        assert "po_number = CX-4471" in cx


def test_an_x12_order_page_still_shows_segments(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        sign_in(site.client, "viewer")
        page = site.client.get(f"/admin/orders/{site.held['4500018863']}").text
        assert '<ol class="x12">' in page and "pdf-page" not in page and "<th>From</th>" not in page
        assert re.findall(r'<li class="marked"[^>]*><code>([^<]+)</code>', page) == [
            "PO1*1*6*EA*38.00**BP*779999*VP*KX-9000"
        ]


def test_a_scan_shows_its_page_and_an_encrypted_pdf_says_why_not(db_url: str, tmp_path: Path) -> None:
    with open_site(db_url, tmp_path) as site:
        document_id, po_id = _ingest(site, "pdf/scan.pdf")
        p = site.pipeline
        locked = receive(
            p.ctx,
            (FIXTURES / "pdf/encrypted.pdf").read_bytes(),
            channel="email",
            filename="e.pdf",
            partner_id=ACME,
        )
        p.runtime.drain()
        sign_in(site.client, "viewer")
        page = html.unescape(site.client.get(f"/admin/orders/{po_id}").text)
        assert (
            f"/admin/documents/{document_id}/pages/1.png" in page
            and "document.no_text_layer: the PDF has no text" in page
        )
        assert site.client.get(f"/admin/documents/{document_id}/pages/1.png").status_code == 200
        doc = site.client.get(f"/admin/documents/{locked}")
        assert (
            doc.status_code == 200 and "the PDF cannot be shown" in doc.text and "pdf.encrypted" in doc.text
        )
