"""Read side of brands, customers and orders."""

from __future__ import annotations

from sqlalchemy import exists, func, or_, select

from careloop.errors import NotFound
from careloop.storage.engine import Database
from careloop.storage.paging import newest_first
from careloop.tickets.commerce_tables import Brand, Customer, LineItem, Order, Shop


def list_brands(db: Database) -> list[Brand]:
    with db.read() as s:
        return list(s.scalars(select(Brand).order_by(Brand.name)))


def shop_by_domain(db: Database, domain: str) -> Shop | None:
    with db.read() as s:
        return s.scalar(select(Shop).where(Shop.domain == domain.strip().lower()))


def list_customers(
    db: Database,
    *,
    q: str | None = None,
    country: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Customer], str | None]:
    stmt = select(Customer)
    if q:
        pattern = f"%{q}%"
        stmt = stmt.where(or_(Customer.email.ilike(pattern), Customer.name.ilike(pattern)))
    if country:
        stmt = stmt.where(Customer.country == country)
    return newest_first(db, stmt, Customer.id, limit=limit, cursor=cursor)


def get_customer(db: Database, customer_id: int) -> Customer:
    with db.read() as s:
        customer = s.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"no customer {customer_id}")
        return customer


def list_orders(
    db: Database,
    *,
    customer_id: int | None = None,
    brand: str | None = None,
    country: str | None = None,
    sku: str | None = None,
    batch: str | None = None,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Order], str | None]:
    stmt = select(Order)
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    if brand:
        stmt = stmt.where(
            Order.brand_id == select(Brand.id).where(Brand.code == brand).scalar_subquery()
        )
    if country:
        stmt = stmt.where(Order.country == country)
    if sku or batch:
        line = exists().where(LineItem.order_id == Order.id)
        if sku:
            line = line.where(LineItem.sku == sku)
        if batch:
            line = line.where(LineItem.batch == batch)
        stmt = stmt.where(line)
    if q:
        stmt = stmt.where(or_(Order.number.ilike(f"%{q}%"), Order.external_id == q))
    return newest_first(db, stmt, Order.id, limit=limit, cursor=cursor)


def get_order(db: Database, order_id: int) -> Order:
    with db.read() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(f"no order {order_id}")
        return order


def count_rows(db: Database) -> dict[str, int]:
    """How much the database holds; `make run` loads the demo only when there are no tickets."""
    from careloop.tickets.tables import Ticket

    with db.read() as s:
        return {
            "tickets": int(s.scalar(select(func.count()).select_from(Ticket)) or 0),
            "orders": int(s.scalar(select(func.count()).select_from(Order)) or 0),
        }
