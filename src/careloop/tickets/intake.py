"""Taking in signed webhook deliveries. Each delivery is one transaction: it records its receipt
(so a replay changes nothing), then turns the payload into orders, refunds and returns, and a
refund or return that says why opens a complaint ticket on its order, or adds to the one open."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.errors import Conflict
from careloop.integrations import shopify
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.storage.requests import IdempotencyRecord, WebhookReceipt, seen_webhook_in
from careloop.tickets.actions import create_ticket_in, ticket_in
from careloop.tickets.commerce import upsert_order_in
from careloop.tickets.commerce_schemas import OrderUpsert, RefundIn, ReturnIn
from careloop.tickets.commerce_tables import Brand, LineItem, Order, Shop
from careloop.tickets.conversation import add_customer_message_in
from careloop.tickets.model import Category, Channel, Status
from careloop.tickets.schemas import TicketCreate
from careloop.tickets.tables import Ticket, TicketTag


class UnknownOrder(Conflict):
    """A refund or return for an order careloop has not seen yet. Nothing is written, and the
    sender's retry (Shopify retries any non-2xx answer) succeeds once the order has arrived."""

    code = "unknown_order"


class DeliveryConflict(Conflict):
    code = "delivery_conflict"


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery: who sent it, the ids it is known by (a Shopify delivery is known by
    its webhook id and by its event id within its topic), its topic, and the sending shop."""

    source: str
    keys: tuple[str, ...]
    topic: str
    shop_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    replayed: bool
    order_id: int | None = None
    ticket: Ticket | None = None
    ticket_created: bool = False


@dataclass(frozen=True)
class Complaint:
    """What a refund or a return tells the care team, as a ticket or as a follow-up message."""

    subject: str
    body: str
    category: Category
    tags: tuple[str, ...]
    external_ref: str
    line_external_id: str | None
    author_label: str


def _take_in(
    db: Database,
    delivery: Delivery,
    now: datetime,
    work: Callable[[Session], Outcome],
    replay: Callable[[Session], Outcome] | None = None,
) -> Outcome:
    """Run `work` once per delivery, in one transaction with the delivery's receipts."""
    for attempt in range(2):
        try:
            with db.write() as s:
                if any(
                    seen_webhook_in(s, source=delivery.source, delivery_id=key)
                    for key in delivery.keys
                ):
                    return replay(s) if replay else Outcome(replayed=True)
                for key in delivery.keys:
                    s.add(
                        WebhookReceipt(
                            source=delivery.source,
                            delivery_id=key,
                            topic=delivery.topic,
                            received_at=now,
                            shop_id=delivery.shop_id,
                        )
                    )
                # Written first: a concurrent copy of this delivery waits here, then fails.
                s.flush()
                return work(s)
        except IntegrityError:
            # The same delivery raced in twice (PostgreSQL): the loser replays.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


# -- Shopify ---------------------------------------------------------------------------------


def _shop_brand(s: Session, shop_id: int) -> str:
    shop = s.get_one(Shop, shop_id)
    return s.get_one(Brand, shop.brand_id).code


def take_shopify_order(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    delivery: Delivery,
    shop_id: int,
    external_id: str,
    data: OrderUpsert,
) -> Outcome:
    """orders/create and orders/updated: create or update the order under the shop's brand."""

    def work(s: Session) -> Outcome:
        branded = data.model_copy(update={"brand": _shop_brand(s, shop_id)})
        order, _ = upsert_order_in(
            s,
            actor=actor,
            now=now,
            source=_shop_source(s, shop_id),
            external_id=external_id,
            data=branded,
        )
        return Outcome(replayed=False, order_id=order.id)

    return _take_in(db, delivery, now, work)


def _shop_source(s: Session, shop_id: int | None) -> str:
    if shop_id is None:
        raise ValueError("a Shopify delivery names its shop")
    shop = s.get_one(Shop, shop_id)
    return shopify.shop_source(shop.domain, shop.id)


def _known_order(s: Session, delivery: Delivery, external_id: str) -> Order:
    """The shop's order, locked so two refunds on it never open two tickets."""
    order = s.scalar(
        select(Order)
        .where(Order.source == _shop_source(s, delivery.shop_id))
        .where(Order.external_id == external_id)
        .with_for_update()
    )
    if order is None:
        raise UnknownOrder(
            f"Shopify order {external_id} is not known yet; send orders/create first",
            {"order_id": external_id},
        )
    return order


def _add_to_order(
    s: Session,
    *,
    actor: Actor,
    now: datetime,
    order: Order,
    refunds: Sequence[RefundIn] = (),
    returns: Sequence[ReturnIn] = (),
) -> None:
    """Add refunds and returns through the order upsert, the order's own fields unchanged."""
    data = OrderUpsert(
        number=order.number,
        currency=order.currency,
        total_amount=order.total_amount,
        country=order.country,
        region=order.region,
        financial_status=order.financial_status,
        placed_at=order.placed_at,
        refunds=list(refunds),
        returns=list(returns),
    )
    upsert_order_in(
        s, actor=actor, now=now, source=order.source, external_id=order.external_id, data=data
    )


def take_shopify_refund(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    delivery: Delivery,
    refund: shopify.ShopifyRefund,
) -> Outcome:
    """refunds/create: record the refund; a refund with a note is a complaint about the order."""

    def work(s: Session) -> Outcome:
        order = _known_order(s, delivery, refund.order_external_id)
        seen = any(x.external_id == refund.refund.external_id for x in order.refunds)
        _add_to_order(s, actor=actor, now=now, order=order, refunds=[refund.refund])
        if seen or refund.note is None:
            return Outcome(replayed=False, order_id=order.id)
        lines = _lines_named(order, refund.line_external_ids)
        money = f"{refund.refund.amount} {refund.refund.currency or order.currency}"
        body = "\n".join(
            [
                f"Refund of {money} on order {order.number}.",
                f"Note: {refund.note}",
                *(f"- {line.sku} ({line.title or 'item'}), batch {line.batch}" for line in lines),
            ]
        )
        complaint = Complaint(
            subject=f"Refund on order {order.number}: {refund.note}"[:300],
            body=body,
            category=Category.REFUND,
            tags=("shopify", "refund"),
            external_ref=f"shopify:refund:{refund.refund.external_id}",
            line_external_id=lines[0].external_id if lines else None,
            author_label="Shopify refund",
        )
        return _complain(s, actor=actor, now=now, order=order, complaint=complaint)

    return _take_in(db, delivery, now, work)


def take_shopify_return(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    delivery: Delivery,
    ret: shopify.ShopifyReturn,
    requested_at: datetime,
) -> Outcome:
    """returns/request and returns/approve: record or update the return's lines; lines new to
    careloop that give a reason are a complaint, with a category from the first reason."""

    def work(s: Session) -> Outcome:
        order = _known_order(s, delivery, ret.order_external_id)
        earlier = {x.external_id: x.created_at for x in order.returns if x.external_id}
        known_lines = frozenset(x.external_id for x in order.line_items if x.external_id)
        rows = [
            row.model_copy(update={"created_at": earlier[row.external_id]})
            if row.external_id in earlier
            else row
            for row in shopify.return_rows(ret, created_at=requested_at, known_line_ids=known_lines)
        ]
        _add_to_order(s, actor=actor, now=now, order=order, returns=rows)
        fresh = [x for x in ret.lines if x.external_id not in earlier and shopify.has_reason(x)]
        if not fresh:
            return Outcome(replayed=False, order_id=order.id)
        category = shopify.category_for_return_reason(fresh[0].reason)
        by_id = {x.external_id: x for x in order.line_items if x.external_id}
        items = []
        for line in fresh:
            item = by_id.get(line.line_item_external_id or "")
            what = f"{item.sku}, batch {item.batch}" if item else "an item"
            why = (line.reason or "unknown").replace("_", " ")
            items.append(
                f"- {line.quantity} x {what}: {why}" + (f": {line.note}" if line.note else "")
            )
        name = ret.name or f"return {ret.return_id}"
        complaint = Complaint(
            subject=f"Return {name} on order {order.number}: {category.value}"[:300],
            body="\n".join([f"Return {name} on order {order.number} ({ret.status}).", *items]),
            category=category,
            tags=("shopify", "return"),
            external_ref=f"shopify:return:{ret.return_id}",
            line_external_id=fresh[0].line_item_external_id,
            author_label="Shopify return",
        )
        return _complain(s, actor=actor, now=now, order=order, complaint=complaint)

    return _take_in(db, delivery, now, work)


def _lines_named(order: Order, external_ids: Sequence[str]) -> list[LineItem]:
    wanted = set(external_ids)
    return [x for x in order.line_items if x.external_id in wanted]


def _complain(
    s: Session, *, actor: Actor, now: datetime, order: Order, complaint: Complaint
) -> Outcome:
    """Add to the order's newest ticket that is not closed, or open a complaint ticket."""
    current = s.scalar(
        select(Ticket)
        .where(Ticket.order_id == order.id)
        .where(Ticket.status != Status.CLOSED)
        .order_by(Ticket.id.desc())
        .limit(1)
        .with_for_update()
    )
    if current is not None:
        add_customer_message_in(
            s,
            actor=actor,
            now=now,
            ticket=current,
            body=complaint.body,
            author_label=complaint.author_label,
        )
        _add_tags(s, actor=actor, now=now, ticket=current, tags=complaint.tags)
        return Outcome(replayed=False, order_id=order.id, ticket=current)
    line = next((x for x in order.line_items if x.external_id == complaint.line_external_id), None)
    data = TicketCreate(
        subject=complaint.subject,
        body=complaint.body,
        channel=Channel.API,
        order_id=order.id,
        line_item_id=line.id if line else None,
        category=complaint.category,
        tags=list(complaint.tags),
        external_ref=complaint.external_ref,
    )
    ticket = create_ticket_in(s, actor=actor, now=now, data=data, source=shopify.SOURCE)
    return Outcome(replayed=False, order_id=order.id, ticket=ticket, ticket_created=True)


def _add_tags(
    s: Session, *, actor: Actor, now: datetime, ticket: Ticket, tags: Sequence[str]
) -> None:
    before = ticket.tags
    missing = sorted(set(tags) - set(before))
    if not missing:
        return
    ticket.tag_rows.extend(TicketTag(tag=t) for t in missing)
    s.flush()
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="ticket",
        entity_id=ticket.id,
        action="tagged",
        changes={"tags": (before, ticket.tags)},
    )


# -- the generic complaint webhook -----------------------------------------------------------


def take_complaint(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    delivery: Delivery,
    data: TicketCreate,
    body_digest: str,
) -> Outcome:
    """Open the ticket a signed complaint delivery describes; the same delivery sent again
    returns that ticket, and the same delivery id with another body is refused (409)."""
    principal = f"webhook:{delivery.source}"[:100]
    key = delivery.keys[0]

    def work(s: Session) -> Outcome:
        ticket = create_ticket_in(s, actor=actor, now=now, data=data, source="webhook")
        s.add(
            IdempotencyRecord(
                principal=principal,
                key=key,
                request_hash=body_digest,
                status_code=201,
                response={"ticket_id": ticket.id},
                created_at=now,
            )
        )
        return Outcome(replayed=False, ticket=ticket, ticket_created=True)

    def replay(s: Session) -> Outcome:
        record = s.scalar(
            select(IdempotencyRecord)
            .where(IdempotencyRecord.principal == principal)
            .where(IdempotencyRecord.key == key)
        )
        if record is None:
            raise AssertionError(f"delivery {key!r} has a receipt but no recorded outcome")
        if record.request_hash != body_digest:
            raise DeliveryConflict(
                f"delivery {key!r} was taken in with a different body",
                {"header": "X-Careloop-Delivery"},
            )
        return Outcome(replayed=True, ticket=ticket_in(s, int(record.response["ticket_id"])))

    return _take_in(db, delivery, now, work, replay)
