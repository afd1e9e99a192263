"""Read-mostly pages: the per-PO ledger (with resend), the dashboard, partners and stock."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gateway.entrypoints.admin import charts
from gateway.entrypoints.admin.session import CsrfChecked, PageOperator, PageViewer
from gateway.entrypoints.admin.web import back, drain, now, render
from gateway.entrypoints.api.deps import RuntimeDep
from gateway.errors import GatewayError, NotFound
from gateway.services.dashboard import dashboard
from gateway.services.ledger import resend, timeline

router = APIRouter()


@router.get("/ledger/{purchase_order_id}", response_class=HTMLResponse)
def ledger_page(
    request: Request, runtime: RuntimeDep, user: PageViewer, purchase_order_id: int
) -> HTMLResponse:
    with runtime.context.uow() as uow:
        stored = uow.purchase_orders.get(purchase_order_id)
        if stored is None:
            raise NotFound(f"no purchase order {purchase_order_id}")
        entries = timeline(uow, purchase_order_id, now=runtime.context.clock())
    return render(request, "ledger.html", stored=stored, entries=entries)


@router.get("/outbound/{outbound_id}", response_class=HTMLResponse)
def outbound_page(request: Request, runtime: RuntimeDep, user: PageViewer, outbound_id: int) -> HTMLResponse:
    with runtime.context.uow() as uow:
        out = uow.outbound.get(outbound_id)
        if out is None:
            raise NotFound(f"no outbound document {outbound_id}")
        audit = uow.audit.list("outbound", outbound_id)
    return render(request, "outbound.html", out=out, text=out.data.decode("latin-1"), audit=audit)


@router.post("/outbound/{outbound_id}/resend", dependencies=[CsrfChecked])
def resend_outbound(request: Request, runtime: RuntimeDep, user: PageOperator, outbound_id: int) -> Response:
    referer = request.headers.get("referer", "")
    where = referer.split("?")[0] if "/admin/" in referer else f"/admin/outbound/{outbound_id}"
    try:
        resend(runtime.context, outbound_id, user.name)
    except GatewayError as exc:
        return back(where, error=exc.message)
    drain(request)
    return back(where, msg=f"Outbound document {outbound_id} was queued for delivery again.")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, runtime: RuntimeDep, user: PageViewer, days: int = 14) -> HTMLResponse:
    days = min(max(days, 1), 90)
    with runtime.context.uow() as uow:
        board = dashboard(uow, now(request), days)
    labels = [d.strftime("%m-%d") for d in board.days]
    median = board.to_855(0.5)
    svg = {
        "channel": charts.stacked_columns("Documents per day by channel", labels, board.by_channel),
        "partner": charts.stacked_columns("Documents per day by partner", labels, board.by_partner),
        "untouched": charts.gauge("Confirmed without a touch", board.untouched_share),
        "exceptions": charts.bars("Exceptions by reason", board.exceptions),
        "to_855": charts.bars(
            "Receipt to 855, median per day (minutes)",
            {d.strftime("%m-%d"): round(v, 1) for d, v in board.to_855_by_day.items()},
            unit=" min",
        ),
    }
    return render(request, "dashboard.html", board=board, svg=svg, median=median, p90=board.to_855(0.9))


@router.get("/partners", response_class=HTMLResponse)
def partners_page(request: Request, runtime: RuntimeDep, user: PageViewer) -> HTMLResponse:
    with runtime.context.uow() as uow:
        partners = uow.partners.list()
    return render(request, "partners.html", partners=partners)


@router.get("/partners/{partner_id}", response_class=HTMLResponse)
def partner_page(request: Request, runtime: RuntimeDep, user: PageViewer, partner_id: str) -> HTMLResponse:
    with runtime.context.uow() as uow:
        partner = uow.partners.get(partner_id)
        if partner is None:
            raise NotFound(f"no trading partner {partner_id}")
        xrefs = uow.partners.cross_reference_rows(partner_id)
    return render(request, "partner.html", partner=partner, xrefs=xrefs)


@router.get("/stock", response_class=HTMLResponse)
def stock_page(request: Request, runtime: RuntimeDep, user: PageViewer, q: str = "") -> HTMLResponse:
    with runtime.context.uow() as uow:
        items = uow.catalog.all_items()
        warehouses = uow.catalog.warehouses()
        levels = uow.catalog.stock(list(items))
    wanted = q.strip().upper()
    table: dict[str, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for lv in levels:
        table[lv.sku][lv.warehouse] = (lv.on_hand, lv.allocated)
    rows = [
        (item, table.get(sku, {}))
        for sku, item in sorted(items.items())
        if not wanted or wanted in sku.upper() or wanted in item.description.upper()
    ]
    return render(request, "stock.html", rows=rows, warehouses=warehouses, q=q)
