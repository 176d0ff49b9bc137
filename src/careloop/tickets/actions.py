"""State changes of tickets: each owns its transaction and writes its audit rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.accounts.model import Role
from careloop.accounts.tables import User
from careloop.errors import Conflict, DomainError, Invalid, NotFound, field_errors
from careloop.sla.actions import Trigger, apply_sla_in
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.storage.requests import IdempotencyKey
from careloop.tickets import model
from careloop.tickets.commerce import brand_by_code_in, resolve_customer_in
from careloop.tickets.commerce_tables import Customer, LineItem, Order
from careloop.tickets.idempotency import run_idempotent
from careloop.tickets.model import MessageKind, Status
from careloop.tickets.schemas import TicketCreate, TicketUpdate
from careloop.tickets.tables import Message, Ticket, TicketTag

ASSIGNABLE_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
# Changes that can select another SLA policy or move a due instant.
_SLA_INPUTS = frozenset({"status", "priority", "brand_id", "category"})


def ticket_in(s: Session, ticket_id: int, *, for_update: bool = False) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if for_update:
        stmt = stmt.with_for_update()
    ticket = s.scalar(stmt)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id}")
    return ticket


def _check_assignee(s: Session, user_id: int) -> None:
    user = s.get(User, user_id)
    if user is None or not user.active or user.role not in ASSIGNABLE_ROLES:
        raise Invalid(f"user {user_id} is not an active agent", {"field": "assignee_id"})


def create_ticket_in(
    s: Session, *, actor: Actor, now: datetime, data: TicketCreate, source: str = "api"
) -> Ticket:
    """Open a ticket from validated input, resolving its brand, customer and order."""
    brand_id = brand_by_code_in(s, data.brand).id if data.brand else None
    customer_id = data.customer_id
    if customer_id is not None and s.get(Customer, customer_id) is None:
        raise Invalid(f"unknown customer {customer_id}", {"field": "customer_id"})
    customer = None
    if data.customer is not None:
        if customer_id is not None:
            raise Invalid("give customer_id or customer, not both", {"field": "customer"})
        customer = resolve_customer_in(s, actor=actor, now=now, ref=data.customer, overwrite=False)
        customer_id = customer.id
    order = _order_for(s, data)
    line = _line_for(s, data, order)
    if data.assignee_id is not None:
        _check_assignee(s, data.assignee_id)
    if order is not None:
        customer_id = customer_id or order.customer_id
        brand_id = brand_id or order.brand_id
    country = (
        data.country
        or (order.country if order else None)
        or (customer.country if customer else None)
    )
    language = data.language or (customer.language if customer else None)
    ticket = Ticket(
        subject=data.subject,
        body=data.body,
        channel=data.channel,
        category=data.category,
        priority=data.priority,
        status=Status.OPEN if data.assignee_id is not None else Status.NEW,
        language=language,
        country=country,
        brand_id=brand_id,
        customer_id=customer_id,
        order_id=order.id if order else None,
        line_item_id=line.id if line else None,
        sku=data.sku or (line.sku if line else None),
        batch=data.batch or (line.batch if line else None),
        assignee_id=data.assignee_id,
        assigned_at=now if data.assignee_id is not None else None,
        first_assigned_at=now if data.assignee_id is not None else None,
        source=source,
        external_ref=data.external_ref,
        custom_fields=dict(data.custom_fields),
        created_at=now,
        updated_at=now,
    )
    ticket.tag_rows = [TicketTag(tag=t) for t in data.tags]
    s.add(ticket)
    s.flush()
    s.add(
        Message(
            ticket_id=ticket.id,
            kind=MessageKind.CUSTOMER,
            body=data.body,
            author_customer_id=customer_id,
            author_label=(customer.name or customer.email or "customer")
            if customer
            else "customer",
            created_at=now,
        )
    )
    due = apply_sla_in(s, ticket, now, event=Trigger.CREATED)
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="ticket",
        entity_id=ticket.id,
        action="created",
        changes=due
        | {
            k: (None, v)
            for k, v in {
                "status": ticket.status,
                "channel": ticket.channel,
                "category": ticket.category,
                "priority": ticket.priority,
                "language": ticket.language,
                "country": ticket.country,
                "brand_id": brand_id,
                "customer_id": customer_id,
                "order_id": ticket.order_id,
                "assignee_id": ticket.assignee_id,
                "tags": data.tags,
                "source": source,
            }.items()
            if v not in (None, [])
        },
    )
    return ticket


def _order_for(s: Session, data: TicketCreate) -> Order | None:
    if data.order_id is not None and data.order is not None:
        raise Invalid("give order_id or order, not both", {"field": "order"})
    if data.order_id is not None:
        order = s.get(Order, data.order_id)
        if order is None:
            raise Invalid(f"unknown order {data.order_id}", {"field": "order_id"})
        return order
    if data.order is not None:
        order = s.scalar(
            select(Order)
            .where(Order.source == data.order.source)
            .where(Order.external_id == data.order.external_id)
        )
        if order is None:
            raise Invalid("unknown order", {"field": "order"})
        return order
    return None


def _line_for(s: Session, data: TicketCreate, order: Order | None) -> LineItem | None:
    if data.line_item_id is None:
        return None
    line = s.get(LineItem, data.line_item_id)
    if line is None or (order is not None and line.order_id != order.id):
        raise Invalid(
            f"unknown line item {data.line_item_id} on this order", {"field": "line_item_id"}
        )
    return line


def create_ticket(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    data: TicketCreate,
    source: str = "api",
    idempotency: IdempotencyKey | None = None,
) -> tuple[Ticket, bool]:
    """Open one ticket; returns it and whether it was an idempotent replay."""

    def work(s: Session) -> tuple[int, dict[str, Any], Ticket]:
        ticket = create_ticket_in(s, actor=actor, now=now, data=data, source=source)
        return 201, {"ticket_id": ticket.id}, ticket

    def replay(s: Session, outcome: dict[str, Any]) -> Ticket:
        return ticket_in(s, int(outcome["ticket_id"]))

    return run_idempotent(db, idempotency, now, work, replay)


BatchItem = tuple[int, Ticket | None, DomainError | None]


def create_tickets_batch(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    items: list[dict[str, Any]],
    source: str = "api",
    idempotency: IdempotencyKey | None = None,
) -> tuple[list[BatchItem], bool]:
    """Open up to 500 tickets in one transaction; each item succeeds or fails on its own."""

    def work(s: Session) -> tuple[int, dict[str, Any], list[BatchItem]]:
        results: list[BatchItem] = []
        for index, raw in enumerate(items):
            try:
                data = TicketCreate.model_validate(raw)
                with s.begin_nested():
                    ticket = create_ticket_in(s, actor=actor, now=now, data=data, source=source)
                results.append((index, ticket, None))
            except ValidationError as exc:
                results.append((index, None, Invalid("invalid ticket", field_errors(exc.errors()))))
            except DomainError as exc:
                results.append((index, None, exc))
        outcome = {
            "results": [
                {"index": i, "ticket_id": t.id if t else None, "error": _error_summary(e)}
                for i, t, e in results
            ]
        }
        return 200, outcome, results

    def replay(s: Session, outcome: dict[str, Any]) -> list[BatchItem]:
        replayed: list[BatchItem] = []
        for row in outcome["results"]:
            if row["ticket_id"] is not None:
                replayed.append((row["index"], ticket_in(s, row["ticket_id"]), None))
            else:
                err = DomainError(row["error"]["message"], row["error"].get("details"))
                err.status, err.code = row["error"]["status"], row["error"]["code"]
                replayed.append((row["index"], None, err))
        return replayed

    return run_idempotent(db, idempotency, now, work, replay)


def _error_summary(exc: DomainError | None) -> dict[str, Any] | None:
    if exc is None:
        return None
    return {"status": exc.status, "code": exc.code, "message": exc.message, "details": exc.details}


def update_ticket(
    db: Database, *, actor: Actor, now: datetime, ticket_id: int, data: TicketUpdate
) -> Ticket:
    """Change the fields sent; status moves follow the life cycle, and every change is audited."""
    sent = data.model_fields_set
    with db.write() as s:
        ticket = ticket_in(s, ticket_id, for_update=True)
        if ticket.status == Status.CLOSED:
            raise Conflict(f"ticket {ticket_id} is closed")
        changes: dict[str, tuple[Any, Any]] = {}

        def put(field: str, value: Any) -> None:
            before = getattr(ticket, field)
            if before != value:
                setattr(ticket, field, value)
                changes[field] = (before, value)

        for field in ("subject", "category", "priority", "language", "country", "sku", "batch"):
            if field in sent:
                put(field, getattr(data, field))
        if "brand" in sent:
            put("brand_id", brand_by_code_in(s, data.brand).id if data.brand else None)
        if "assignee_id" in sent:
            if data.assignee_id is not None:
                _check_assignee(s, data.assignee_id)
            if ticket.assignee_id != data.assignee_id:
                ticket.assigned_at = None if data.assignee_id is None else now
                ticket.first_assigned_at = ticket.first_assigned_at or ticket.assigned_at
                # Taking a ticket oneself is opening it; anyone else's assignment is unopened.
                taken = data.assignee_id is not None and data.assignee_id == actor.user_id
                ticket.seen_at = now if taken else None
            put("assignee_id", data.assignee_id)
            if (
                data.assignee_id is not None
                and ticket.status == Status.NEW
                and "status" not in sent
            ):
                move_status(ticket, Status.OPEN, now, changes)
        if "status" in sent and data.status is not None:
            move_status(ticket, data.status, now, changes)
        if "custom_fields" in sent and data.custom_fields is not None:
            merged = {**ticket.custom_fields, **data.custom_fields}
            merged = {k: v for k, v in merged.items() if v is not None}
            put("custom_fields", merged)
        if "tags" in sent and data.tags is not None:
            before = ticket.tags
            if before != sorted(data.tags):
                set_tags(ticket, data.tags)
                changes["tags"] = (before, sorted(data.tags))
        if changes.keys() & _SLA_INPUTS:
            trigger = Trigger.STATUS if "status" in changes else Trigger.FIELDS
            changes.update(apply_sla_in(s, ticket, now, event=trigger))
        if changes:
            ticket.updated_at = now
            audit.record(
                s,
                at=now,
                actor=actor,
                entity_type="ticket",
                entity_id=ticket.id,
                action="updated",
                changes=changes,
            )
        s.flush()
        return ticket


def move_status(
    ticket: Ticket, target: Status, now: datetime, changes: dict[str, tuple[Any, Any]]
) -> None:
    current = ticket.status
    if current == target:
        return
    if not model.can_transition(current, target):
        raise Conflict(
            f"a {current.value} ticket cannot become {target.value}",
            {"field": "status", "from": current.value, "to": target.value},
        )
    ticket.status = target
    changes["status"] = (current, target)
    if target == Status.SOLVED:
        ticket.solved_at = now
        changes["solved_at"] = (None, now)
    elif target == Status.CLOSED:
        ticket.closed_at = now
        changes["closed_at"] = (None, now)
    elif current == Status.SOLVED:
        changes["solved_at"] = (ticket.solved_at, None)
        ticket.solved_at = None


def change_tags(
    db: Database, *, actor: Actor, now: datetime, ticket_id: int, add: list[str], remove: list[str]
) -> Ticket:
    with db.write() as s:
        ticket = ticket_in(s, ticket_id, for_update=True)
        if ticket.status == Status.CLOSED:
            raise Conflict(f"ticket {ticket_id} is closed")
        before = ticket.tags
        after = sorted((set(before) | set(add)) - set(remove))
        if after != before:
            set_tags(ticket, after)
            ticket.updated_at = now
            audit.record(
                s,
                at=now,
                actor=actor,
                entity_type="ticket",
                entity_id=ticket.id,
                action="tagged",
                changes={"tags": (before, after)},
            )
        s.flush()
        return ticket


def set_tags(ticket: Ticket, tags: list[str]) -> None:
    """Keep the rows of tags that stay (re-inserting one would clash on its key), add the rest."""
    wanted = set(tags)
    kept = [row for row in ticket.tag_rows if row.tag in wanted]
    have = {row.tag for row in kept}
    ticket.tag_rows = kept + [TicketTag(tag=t) for t in sorted(wanted - have)]
