"""Brands, customers and orders over JSON; customers and orders are upserted by external id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, PathId, QueryId, require
from careloop.storage.paging import MAX_LIMIT
from careloop.tickets import commerce, commerce_queries
from careloop.tickets.commerce_schemas import (
    BrandCreate,
    BrandOut,
    CustomerOut,
    CustomerPage,
    CustomerUpsert,
    OrderOut,
    OrderPage,
    OrderUpsert,
)
from careloop.tickets.schemas import CountryCode

router = APIRouter(prefix="/api/v1", tags=["customers and orders"])

Reader = Annotated[Principal, Depends(require(Permission.COMMERCE_READ))]
Writer = Annotated[Principal, Depends(require(Permission.COMMERCE_WRITE))]
BrandAdmin = Annotated[Principal, Depends(require(Permission.BRANDS_MANAGE))]
Source = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.:-]+$")]
ExternalId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00/]+$")]
RowId = PathId
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=100)]


@router.get("/brands", response_model=list[BrandOut], tags=["brands"])
def list_brands(_: Reader, db: DB) -> list[BrandOut]:
    return [BrandOut.model_validate(b) for b in commerce_queries.list_brands(db)]


@router.post("/brands", status_code=201, response_model=BrandOut, tags=["brands"])
def create_brand(body: BrandCreate, principal: BrandAdmin, db: DB, now: Now) -> BrandOut:
    return BrandOut.model_validate(
        commerce.create_brand(db, actor=principal.actor, now=now, data=body)
    )


@router.put("/customers/external/{source}/{external_id}", response_model=CustomerOut)
def upsert_customer(
    source: Source,
    external_id: ExternalId,
    body: CustomerUpsert,
    principal: Writer,
    db: DB,
    now: Now,
    response: Response,
) -> CustomerOut:
    """Create (201) or update (200) the customer known as `external_id` in `source`."""
    customer, created = commerce.upsert_customer(
        db, actor=principal.actor, now=now, source=source, external_id=external_id, data=body
    )
    response.status_code = 201 if created else 200
    return CustomerOut.model_validate(customer)


@router.get("/customers", response_model=CustomerPage)
def list_customers(
    _: Reader,
    db: DB,
    q: Annotated[str | None, Query(max_length=200)] = None,
    country: CountryCode | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> CustomerPage:
    rows, next_cursor = commerce_queries.list_customers(
        db, q=q or None, country=country, limit=limit, cursor=cursor
    )
    return CustomerPage(
        items=[CustomerOut.model_validate(c) for c in rows], next_cursor=next_cursor
    )


@router.get("/customers/{customer_id}", response_model=CustomerOut)
def get_customer(customer_id: RowId, _: Reader, db: DB) -> CustomerOut:
    return CustomerOut.model_validate(commerce_queries.get_customer(db, customer_id))


@router.put("/orders/external/{source}/{external_id}", response_model=OrderOut)
def upsert_order(
    source: Source,
    external_id: ExternalId,
    body: OrderUpsert,
    principal: Writer,
    db: DB,
    now: Now,
    response: Response,
) -> OrderOut:
    """Create (201) or update (200) an order with its lines, shipments, refunds and returns."""
    order, created = commerce.upsert_order(
        db, actor=principal.actor, now=now, source=source, external_id=external_id, data=body
    )
    response.status_code = 201 if created else 200
    return OrderOut.model_validate(commerce_queries.get_order(db, order.id))


@router.get("/orders", response_model=OrderPage)
def list_orders(
    _: Reader,
    db: DB,
    customer_id: QueryId = None,
    brand: Annotated[str | None, Query(max_length=40)] = None,
    country: CountryCode | None = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    batch: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> OrderPage:
    rows, next_cursor = commerce_queries.list_orders(
        db,
        customer_id=customer_id,
        brand=brand,
        country=country,
        sku=sku,
        batch=batch,
        q=q or None,
        limit=limit,
        cursor=cursor,
    )
    return OrderPage(items=[OrderOut.model_validate(o) for o in rows], next_cursor=next_cursor)


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: RowId, _: Reader, db: DB) -> OrderOut:
    return OrderOut.model_validate(commerce_queries.get_order(db, order_id))
