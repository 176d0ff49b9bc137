"""State changes of brands, shops, customers and orders (each audited, one transaction each).

The `*_in(session, ...)` functions work inside a caller's transaction, so one webhook can
upsert an order and open a ticket atomically; the plain functions own their transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from careloop.errors import Conflict, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets.commerce_schemas import BrandCreate, CustomerUpsert, OrderUpsert
from careloop.tickets.commerce_tables import (
    Brand,
    Customer,
    CustomerExternalId,
    LineItem,
    Order,
    Refund,
    Return,
    Shipment,
    Shop,
)
from careloop.tickets.schemas import CustomerRef

_CUSTOMER_FIELDS = ("email", "name", "phone", "country", "language", "timezone", "tier")


def create_brand(db: Database, *, actor: Actor, now: datetime, data: BrandCreate) -> Brand:
    with db.write() as s:
        if s.scalar(select(Brand.id).where(Brand.code == data.code)) is not None:
            raise Conflict(f"brand {data.code!r} exists", {"field": "code"})
        brand = Brand(code=data.code, name=data.name, is_b2b=data.is_b2b, created_at=now)
        s.add(brand)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="brand",
            entity_id=brand.id,
            action="created",
            changes={"code": (None, data.code), "name": (None, data.name)},
        )
        return brand


def create_shop(
    db: Database, *, actor: Actor, now: datetime, brand_code: str, domain: str, secret: str
) -> Shop:
    domain = domain.strip().lower()
    if not domain or len(secret) < 16:
        raise Invalid("a shop needs a domain and a webhook secret of at least 16 characters")
    with db.write() as s:
        brand = brand_by_code_in(s, brand_code)
        if s.scalar(select(Shop.id).where(Shop.domain == domain)) is not None:
            raise Conflict(f"shop {domain!r} exists", {"field": "domain"})
        shop = Shop(brand_id=brand.id, domain=domain, webhook_secret=secret, created_at=now)
        s.add(shop)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="shop",
            entity_id=shop.id,
            action="created",
            changes={"domain": (None, domain), "brand": (None, brand.code)},
        )
        return shop


def brand_by_code_in(s: Session, code: str) -> Brand:
    brand = s.scalar(select(Brand).where(Brand.code == code))
    if brand is None:
        raise Invalid(f"unknown brand {code!r}", {"field": "brand"})
    return brand


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set attributes that differ and return the changes as (before, after)."""
    changes = {}
    for key, value in values.items():
        before = getattr(obj, key)
        if before != value:
            setattr(obj, key, value)
            changes[key] = (before, value)
    return changes


def resolve_customer_in(
    s: Session, *, actor: Actor, now: datetime, ref: CustomerRef, overwrite: bool = True
) -> Customer:
    """Find the customer by external id, then by e-mail; create one when neither matches.

    With `overwrite` the reference's details replace the stored ones (an order from the shop
    is the customer's latest word); without it they only fill gaps, so ticket intake writes
    customer rows rarely and concurrent intakes seldom contend on them.
    """
    if (ref.source is None) != (ref.external_id is None):
        raise Invalid("customer source and external_id go together", {"field": "customer"})
    customer: Customer | None = None
    if ref.source is not None and ref.external_id is not None:
        customer = s.scalar(
            select(Customer)
            .options(lazyload(Customer.external_ids))  # read only when an id is added
            .join(CustomerExternalId)
            .where(CustomerExternalId.source == ref.source)
            .where(CustomerExternalId.external_id == ref.external_id)
        )
    if customer is None and ref.email:
        customer = s.scalar(
            select(Customer)
            .options(lazyload(Customer.external_ids))
            .where(func.lower(Customer.email) == ref.email.lower())  # ix_customers_email_lower
            .order_by(Customer.id)
            .limit(1)
        )
    if customer is None and ref.email is None and ref.external_id is None:
        raise Invalid("a customer needs an e-mail or an external id", {"field": "customer"})
    values = {k: getattr(ref, k) for k in _CUSTOMER_FIELDS if getattr(ref, k) is not None}
    if customer is None:
        customer = Customer(created_at=now, updated_at=now, **values)
        s.add(customer)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="customer",
            entity_id=customer.id,
            action="created",
            changes={k: (None, v) for k, v in values.items()},
        )
    else:
        if not overwrite:
            values = {k: v for k, v in values.items() if getattr(customer, k) is None}
        changes = _apply(customer, values)
        if changes:
            customer.updated_at = now
            audit.record(
                s,
                at=now,
                actor=actor,
                entity_type="customer",
                entity_id=customer.id,
                action="updated",
                changes=changes,
            )
    if ref.source is not None and ref.external_id is not None:
        known = {(x.source, x.external_id) for x in customer.external_ids}
        if (ref.source, ref.external_id) not in known:
            if any(x.source == ref.source for x in customer.external_ids):
                raise Conflict(
                    f"customer {customer.id} already has an id in {ref.source!r}",
                    {"field": "customer.external_id"},
                )
            customer.external_ids.append(
                CustomerExternalId(source=ref.source, external_id=ref.external_id)
            )
            s.flush()
    return customer


def upsert_customer(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    source: str,
    external_id: str,
    data: CustomerUpsert,
) -> tuple[Customer, bool]:
    """Create or update the customer known as `external_id` in `source`; True when created."""
    with db.write() as s:
        existed = s.scalar(
            select(CustomerExternalId.customer_id)
            .where(CustomerExternalId.source == source)
            .where(CustomerExternalId.external_id == external_id)
        )
        ref = CustomerRef(
            source=source, external_id=external_id, **data.model_dump(exclude_unset=True)
        )
        if existed is not None:
            customer = s.get_one(Customer, existed)
            changes = _apply(customer, data.model_dump(exclude_unset=True))
            if changes:
                customer.updated_at = now
                audit.record(
                    s,
                    at=now,
                    actor=actor,
                    entity_type="customer",
                    entity_id=customer.id,
                    action="updated",
                    changes=changes,
                )
            return customer, False
        # A new external id never merges into a customer by e-mail: ids in one source are exact.
        customer = Customer(created_at=now, updated_at=now, **data.model_dump(exclude_unset=True))
        customer.external_ids.append(CustomerExternalId(source=source, external_id=external_id))
        s.add(customer)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="customer",
            entity_id=customer.id,
            action="created",
            changes={k: (None, v) for k, v in ref.model_dump(exclude_none=True).items()},
        )
        return customer, True


def upsert_order_in(
    s: Session, *, actor: Actor, now: datetime, source: str, external_id: str, data: OrderUpsert
) -> tuple[Order, bool]:
    brand_id = brand_by_code_in(s, data.brand).id if data.brand else None
    customer_id = data.customer_id
    if customer_id is not None and s.get(Customer, customer_id) is None:
        raise Invalid(f"unknown customer {customer_id}", {"field": "customer_id"})
    if data.customer is not None:
        customer_id = resolve_customer_in(s, actor=actor, now=now, ref=data.customer).id
    order = s.scalar(
        select(Order).where(Order.source == source).where(Order.external_id == external_id)
    )
    values: dict[str, Any] = {
        "number": data.number,
        "currency": data.currency,
        "total_amount": data.total_amount,
        "country": data.country,
        "region": data.region,
        "financial_status": data.financial_status,
        "placed_at": data.placed_at,
    }
    if brand_id is not None:
        values["brand_id"] = brand_id
    if customer_id is not None:
        values["customer_id"] = customer_id
    created = order is None
    if order is None:
        order = Order(source=source, external_id=external_id, updated_at=now, **values)
        s.add(order)
        changes = {k: (None, v) for k, v in values.items()}
    else:
        changes = _apply(order, values)
    _merge_children(s, order, data, changes)
    order.updated_at = now
    s.flush()
    if created or changes:
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="order",
            entity_id=order.id,
            action="created" if created else "updated",
            changes=changes,
        )
    return order, created


def _merge_children(
    s: Session, order: Order, data: OrderUpsert, changes: dict[str, tuple[Any, Any]]
) -> None:
    """Lines, shipments, refunds and returns are matched by external id (lines also by SKU and
    batch, shipments by tracking number) and updated in place; none is removed, because tickets
    may point at them."""
    for item in data.line_items:
        line = next(
            (
                x
                for x in order.line_items
                if (item.external_id and x.external_id == item.external_id)
                or (not item.external_id and x.sku == item.sku and x.batch == item.batch)
            ),
            None,
        )
        values = item.model_dump() | {"currency": data.currency}
        if line is None:
            order.line_items.append(LineItem(**values))
            changes[f"line_item:{item.sku}"] = (None, item.quantity)
        else:
            for key, (before, after) in _apply(line, values).items():
                changes[f"line_item:{line.sku}.{key}"] = (before, after)
    for ship in data.shipments:
        shipment = next(
            (
                x
                for x in order.shipments
                if (ship.external_id and x.external_id == ship.external_id)
                or (ship.tracking_number and x.tracking_number == ship.tracking_number)
            ),
            None,
        )
        values = ship.model_dump()
        if shipment is None:
            order.shipments.append(Shipment(**values))
            changes[f"shipment:{ship.carrier}"] = (None, values["status"])
        else:
            for key, (before, after) in _apply(shipment, values).items():
                changes[f"shipment:{shipment.carrier}.{key}"] = (before, after)
    for ref in data.refunds:
        if ref.external_id and any(x.external_id == ref.external_id for x in order.refunds):
            continue
        order.refunds.append(
            Refund(
                external_id=ref.external_id,
                reason=ref.reason,
                amount=ref.amount,
                currency=ref.currency or data.currency,
                created_at=ref.created_at,
            )
        )
        changes[f"refund:{ref.external_id or len(order.refunds)}"] = (None, str(ref.amount))
    s.flush()  # returns point at line items by id
    for ret in data.returns:
        existing = next(
            (x for x in order.returns if ret.external_id and x.external_id == ret.external_id), None
        )
        line_id = None
        if ret.line_item_external_id:
            line = next(
                (x for x in order.line_items if x.external_id == ret.line_item_external_id), None
            )
            if line is None:
                raise Invalid(
                    f"return names unknown line item {ret.line_item_external_id!r}",
                    {"field": "returns.line_item_external_id"},
                )
            line_id = line.id
        values = {
            "external_id": ret.external_id,
            "quantity": ret.quantity,
            "reason": ret.reason,
            "note": ret.note,
            "status": ret.status,
            "created_at": ret.created_at,
        }
        if existing is None:
            order.returns.append(Return(line_item_id=line_id, **values))
            changes[f"return:{ret.external_id or len(order.returns)}"] = (None, ret.status)
        else:
            for key, (before, after) in _apply(existing, values).items():
                changes[f"return:{existing.external_id}.{key}"] = (before, after)


def upsert_order(
    db: Database, *, actor: Actor, now: datetime, source: str, external_id: str, data: OrderUpsert
) -> tuple[Order, bool]:
    with db.write() as s:
        return upsert_order_in(
            s, actor=actor, now=now, source=source, external_id=external_id, data=data
        )


def customer_or_404(s: Session, customer_id: int) -> Customer:
    customer = s.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return customer
