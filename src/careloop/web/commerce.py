"""Customers and orders: lists with search and cursor pagination, and one page for each."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from careloop import validation
from careloop.accounts.model import Permission, Principal
from careloop.api.deps import PathId
from careloop.tickets import commerce_queries, queries
from careloop.tickets.queries import TicketFilter
from careloop.tickets.tables import Ticket
from careloop.web.access import Db, WebRoute, require_page
from careloop.web.rendering import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(require_page(Permission.COMMERCE_READ))]
RowId = PathId
Search = Annotated[str, Query(max_length=200)]
Cursor = Annotated[str, Query(max_length=100)]
PAGE_SIZE = 50
RELATED = 50  # orders and tickets shown on a customer's or an order's page


def _country(value: str) -> str | None:
    code = value.strip().upper()
    return code if code and validation.is_country(code) else None


def _page_url(path: str, **params: str | None) -> str:
    return f"{path}?{urlencode({k: v for k, v in params.items() if v})}"


@router.get("/customers", response_class=HTMLResponse)
def customers(
    request: Request,
    principal: Reader,
    db: Db,
    q: Search = "",
    country: Annotated[str, Query(max_length=2)] = "",
    cursor: Cursor = "",
) -> HTMLResponse:
    code = _country(country)
    rows, next_cursor = commerce_queries.list_customers(
        db, q=q.strip() or None, country=code, limit=PAGE_SIZE, cursor=cursor or None
    )
    context = {
        "customers": rows,
        "q": q,
        "country": code or "",
        "next_url": _page_url("/customers", q=q, country=code, cursor=next_cursor)
        if next_cursor
        else None,
        "first_url": _page_url("/customers", q=q, country=code) if cursor else None,
    }
    return render(request, "commerce/customers.html", context, principal=principal)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer(request: Request, customer_id: RowId, principal: Reader, db: Db) -> HTMLResponse:
    found = commerce_queries.get_customer(db, customer_id)
    orders, more_orders = commerce_queries.list_orders(db, customer_id=customer_id, limit=RELATED)
    tickets: list[Ticket] = []
    more_tickets: str | None = None
    if principal.can(Permission.TICKETS_READ):
        tickets, more_tickets = queries.list_tickets(
            db, TicketFilter(customer_id=customer_id), limit=RELATED
        )
    context = {
        "customer": found,
        "orders": orders,
        "more_orders": more_orders is not None,
        "tickets": tickets,
        "more_tickets": more_tickets is not None,
        "brands": {b.id: b.name for b in commerce_queries.list_brands(db)},
    }
    return render(request, "commerce/customer.html", context, principal=principal)


@router.get("/orders", response_class=HTMLResponse)
def orders(
    request: Request,
    principal: Reader,
    db: Db,
    q: Search = "",
    brand: Annotated[str, Query(max_length=40)] = "",
    country: Annotated[str, Query(max_length=2)] = "",
    sku: Annotated[str, Query(max_length=64)] = "",
    batch: Annotated[str, Query(max_length=64)] = "",
    cursor: Cursor = "",
) -> HTMLResponse:
    code = _country(country)
    filters = {"q": q.strip(), "brand": brand.strip(), "country": code}
    filters |= {"sku": sku.strip(), "batch": batch.strip()}
    rows, next_cursor = commerce_queries.list_orders(
        db,
        q=filters["q"] or None,
        brand=filters["brand"] or None,
        country=code,
        sku=filters["sku"] or None,
        batch=filters["batch"] or None,
        limit=PAGE_SIZE,
        cursor=cursor or None,
    )
    brands = commerce_queries.list_brands(db)
    context = {
        "orders": rows,
        "filters": {k: v or "" for k, v in filters.items()},
        "brands": brands,
        "brand_names": {b.id: b.name for b in brands},
        "customers": queries.customer_names(db, [o.customer_id for o in rows]),
        "next_url": _page_url("/orders", **filters, cursor=next_cursor) if next_cursor else None,
        "first_url": _page_url("/orders", **filters) if cursor else None,
    }
    return render(request, "commerce/orders.html", context, principal=principal)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order(request: Request, order_id: RowId, principal: Reader, db: Db) -> HTMLResponse:
    found = commerce_queries.get_order(db, order_id)
    owner = commerce_queries.get_customer(db, found.customer_id) if found.customer_id else None
    tickets: list[Ticket] = []
    more_tickets: str | None = None
    if principal.can(Permission.TICKETS_READ):
        tickets, more_tickets = queries.list_tickets(
            db, TicketFilter(order_id=order_id), limit=RELATED
        )
    brands = {b.id: b.name for b in commerce_queries.list_brands(db)}
    context = {
        "order": found,
        "customer": owner,
        "brand": brands.get(found.brand_id) if found.brand_id else None,
        "tickets": tickets,
        "more_tickets": more_tickets is not None,
    }
    return render(request, "commerce/order.html", context, principal=principal)
