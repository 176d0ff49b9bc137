"""Read side of brands, customers and orders."""

from __future__ import annotations

from sqlalchemy import exists, func, or_, select

from careloop.errors import Invalid, NotFound
from careloop.storage.engine import Database
from careloop.tickets.commerce_tables import Brand, Customer, LineItem, Order, Shop
from careloop.tickets.queries import MAX_LIMIT, decode_cursor, encode_cursor


def list_brands(db: Database) -> list[Brand]:
    with db.read() as s:
        return list(s.scalars(select(Brand).order_by(Brand.name)))


def shop_by_domain(db: Database, domain: str) -> Shop | None:
    with db.read() as s:
        return s.scalar(select(Shop).where(Shop.domain == domain.strip().lower()))


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", {"param": "limit"})


def list_customers(
    db: Database,
    *,
    q: str | None = None,
    country: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Customer], str | None]:
    _check_limit(limit)
    stmt = select(Customer)
    if q:
        pattern = f"%{q}%"
        stmt = stmt.where(or_(Customer.email.ilike(pattern), Customer.name.ilike(pattern)))
    if country:
        stmt = stmt.where(Customer.country == country)
    if cursor:
        stmt = stmt.where(Customer.id < decode_cursor(cursor))
    with db.read() as s:
        rows = list(s.scalars(stmt.order_by(Customer.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more and rows else None


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
    _check_limit(limit)
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
    if cursor:
        stmt = stmt.where(Order.id < decode_cursor(cursor))
    with db.read() as s:
        rows = list(s.scalars(stmt.order_by(Order.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more and rows else None


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
