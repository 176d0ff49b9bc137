"""Reading each fact from the base tables: the atoms of a time range, one per counted thing
(a ticket, an order's line, a return), with its instant, dims, measures and durations.

The refresh recomputes a marked hour from these atoms and the rebuild recomputes everything
from them, so the rollups always equal what these queries say. What each fact counts:

- tickets: each ticket, at its creation; its current assignee (agent) and their team.
- deliveries: each line of an order whose first shipment (lowest id) is delivered, at that
  delivery; country and region are the parcel's destination (the order's when unset).
- returns: each return, at its creation, with its line's SKU and batch and the order's first
  shipment's carrier and destination.
- shipments: each shipment, at its dispatch, with its current status.
- replies: each public reply written by a user, at its writing.
- solves: each solved ticket, at its (last) solving.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, and_, exists, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from careloop.insights.cubes import EXCEPTION_STATUSES, TICKET_DIMS
from careloop.insights.model import duration_bin
from careloop.sla.tables import SlaEvent, SlaPolicy
from careloop.tickets.commerce_tables import Brand, LineItem, Order, Return, Shipment
from careloop.tickets.model import MessageKind, Status
from careloop.tickets.tables import Message, Ticket
from careloop.workforce.tables import Agent


@dataclass(frozen=True)
class Atom:
    at: datetime
    dims: tuple[str | None, ...]  # in the fact's dims order
    measures: tuple[int, ...]  # in the fact's measures order
    durations: tuple[int | None, ...] = ()  # bins, in the fact's histograms order
    key: int | None = None  # what a distinct measure counts once (the order)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return str(value.value) if hasattr(value, "value") else value
    return str(value)


def _is_first_shipment(shipment: Any) -> Any:
    """The shipment is its order's first (lowest id). NOT EXISTS rather than id = min(id):
    PostgreSQL turns that min into a walk of the primary key, a scan per row."""
    earlier = aliased(Shipment)
    return ~exists().where(earlier.order_id == shipment.order_id, earlier.id < shipment.id)


def _breached(target: str) -> Any:
    return exists().where(
        SlaEvent.ticket_id == Ticket.id, SlaEvent.target == target, SlaEvent.kind == "breach"
    )


def _tickets(start: datetime, end: datetime) -> Any:
    return (
        select(
            Ticket.created_at,
            Brand.code,
            Ticket.country,
            Ticket.channel,
            Ticket.category,
            Ticket.language,
            Ticket.priority,
            Ticket.sku,
            Ticket.batch,
            Agent.team_id,
            Ticket.assignee_id,
            Ticket.first_assigned_at,
            Ticket.first_response_at,
            Ticket.solved_at,
            SlaPolicy.first_response_minutes,
            SlaPolicy.resolution_minutes,
            _breached("first_response"),
            _breached("resolution"),
        )
        .outerjoin(Brand, Brand.id == Ticket.brand_id)
        .outerjoin(Agent, Agent.user_id == Ticket.assignee_id)
        .outerjoin(SlaPolicy, SlaPolicy.id == Ticket.sla_policy_id)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
    )


def _ticket_atom(row: Any) -> Atom:
    (created, brand, country, channel, category, language, priority, sku, batch, team, agent,
     assigned, responded, solved, fr_target, res_target, fr_breach, res_breach) = row  # fmt: skip

    def since(at: datetime | None) -> int | None:
        return None if at is None else duration_bin((at - created).total_seconds())

    fr_due = bool(fr_breach) or (fr_target is not None and responded is not None)
    res_due = bool(res_breach) or (res_target is not None and solved is not None)
    return Atom(
        created,
        tuple(
            _text(v)
            for v in (
                brand,
                country,
                channel,
                category,
                language,
                priority,
                sku,
                batch,
                team,
                agent,
            )
        ),
        (
            1,
            int(assigned is not None),
            int(responded is not None),
            int(solved is not None),
            int(fr_due),
            int(bool(fr_breach)),
            int(res_due),
            int(bool(res_breach)),
        ),
        (since(assigned), since(responded), since(solved)),
    )


def _deliveries(start: datetime, end: datetime) -> Any:
    return (
        select(
            Shipment.delivered_at,
            Brand.code,
            func.coalesce(Shipment.destination_country, Order.country),
            func.coalesce(Shipment.destination_region, Order.region),
            Shipment.carrier,
            LineItem.sku,
            LineItem.batch,
            LineItem.quantity,
            Order.id,
        )
        .join(Order, Order.id == Shipment.order_id)
        .join(LineItem, LineItem.order_id == Order.id)
        .outerjoin(Brand, Brand.id == Order.brand_id)
        .where(Shipment.delivered_at >= start, Shipment.delivered_at < end)
        .where(_is_first_shipment(Shipment))
    )


def _delivery_atom(row: Any) -> Atom:
    at, brand, country, region, carrier, sku, batch, quantity, order_id = row
    return Atom(
        at,
        tuple(_text(v) for v in (brand, country, region, carrier, sku, batch)),
        (1, int(quantity)),
        key=int(order_id),
    )


def _returns(start: datetime, end: datetime) -> Any:
    first = aliased(Shipment)
    return (
        select(
            Return.created_at,
            Brand.code,
            func.coalesce(first.destination_country, Order.country),
            func.coalesce(first.destination_region, Order.region),
            first.carrier,
            LineItem.sku,
            LineItem.batch,
            Return.reason,
            Return.quantity,
        )
        .join(Order, Order.id == Return.order_id)
        .outerjoin(Brand, Brand.id == Order.brand_id)
        .outerjoin(LineItem, LineItem.id == Return.line_item_id)
        .outerjoin(first, and_(first.order_id == Order.id, _is_first_shipment(first)))
        .where(Return.created_at >= start, Return.created_at < end)
    )


def _return_atom(row: Any) -> Atom:
    at, brand, country, region, carrier, sku, batch, reason, quantity = row
    return Atom(
        at,
        tuple(_text(v) for v in (brand, country, region, carrier, sku, batch, reason)),
        (1, int(quantity)),
    )


def _shipments(start: datetime, end: datetime) -> Any:
    return (
        select(
            Shipment.shipped_at,
            Brand.code,
            func.coalesce(Shipment.destination_country, Order.country),
            func.coalesce(Shipment.destination_region, Order.region),
            Shipment.carrier,
            Shipment.status,
        )
        .join(Order, Order.id == Shipment.order_id)
        .outerjoin(Brand, Brand.id == Order.brand_id)
        .where(Shipment.shipped_at >= start, Shipment.shipped_at < end)
    )


def _shipment_atom(row: Any) -> Atom:
    at, brand, country, region, carrier, status = row
    return Atom(
        at,
        tuple(_text(v) for v in (brand, country, region, carrier, status)),
        (1, int(status in EXCEPTION_STATUSES), int(status == "delivered")),
    )


def _replies(start: datetime, end: datetime) -> Any:
    return (
        select(
            Message.created_at, Message.author_user_id, Agent.team_id, Brand.code, Ticket.channel
        )
        .join(Ticket, Ticket.id == Message.ticket_id)
        .outerjoin(Brand, Brand.id == Ticket.brand_id)
        .outerjoin(Agent, Agent.user_id == Message.author_user_id)
        .where(Message.kind == MessageKind.REPLY, Message.author_user_id.is_not(None))
        .where(Message.created_at >= start, Message.created_at < end)
    )


def _reply_atom(row: Any) -> Atom:
    at, agent, team, brand, channel = row
    return Atom(at, tuple(_text(v) for v in (agent, team, brand, channel)), (1,))


def _solves(start: datetime, end: datetime) -> Any:
    return (
        select(
            Ticket.solved_at,
            Ticket.assignee_id,
            Agent.team_id,
            Brand.code,
            Ticket.channel,
            Ticket.category,
        )
        .outerjoin(Brand, Brand.id == Ticket.brand_id)
        .outerjoin(Agent, Agent.user_id == Ticket.assignee_id)
        .where(Ticket.solved_at >= start, Ticket.solved_at < end)
        .where(Ticket.status.in_([Status.SOLVED, Status.CLOSED]))
    )


def _solve_atom(row: Any) -> Atom:
    at, agent, team, brand, channel, category = row
    return Atom(at, tuple(_text(v) for v in (agent, team, brand, channel, category)), (1,))


_READERS = {
    "tickets": (_tickets, _ticket_atom),
    "deliveries": (_deliveries, _delivery_atom),
    "returns": (_returns, _return_atom),
    "shipments": (_shipments, _shipment_atom),
    "replies": (_replies, _reply_atom),
    "solves": (_solves, _solve_atom),
}

_INSTANTS = {
    "tickets": Ticket.created_at,
    "deliveries": Shipment.delivered_at,
    "returns": Return.created_at,
    "shipments": Shipment.shipped_at,
    "replies": Message.created_at,
    "solves": Ticket.solved_at,
}


def base_query(fact: str, start: datetime, end: datetime) -> Any:
    """The SELECT of `fact`'s atoms in [start, end) (the benchmark groups it plainly)."""
    return _READERS[fact][0](start, end)


def atoms(s: Session, fact: str, start: datetime, end: datetime) -> Iterator[Atom]:
    """Every atom of `fact` whose instant lies in [start, end)."""
    query, make = _READERS[fact]
    for row in s.execute(query(start, end)).yield_per(5000):
        yield make(row)


# Where a ticket's dims and the instants its durations end at sit in the tickets' SELECT.
_TICKET_DIM_AT = {d: i + 1 for i, d in enumerate(TICKET_DIMS)}
_DURATION_AT = {"time_to_assignment": 11, "first_response_time": 12, "resolution_time": 13}


def durations(
    s: Session, histogram: str, dims: Sequence[str], start: datetime, end: datetime
) -> Iterator[tuple[datetime, tuple[str | None, ...], int]]:
    """(creation, the `dims`, the duration's bin) of each ticket created in [start, end) that
    has the duration. Only these columns are selected from the tickets' SELECT, so the database
    leaves out the joins and subqueries the others need: a percentile's edge hours read fast."""
    sub = _tickets(start, end).subquery()
    columns = list(sub.c)
    ends = columns[_DURATION_AT[histogram]]
    # The instants as the driver gives them (SQLite: text in a fixed naive-UTC form), parsed
    # here: the column type's per-row processing cost more than the query.
    stmt = select(
        type_coerce(columns[0], String),
        type_coerce(ends, String),
        *[columns[_TICKET_DIM_AT[d]] for d in dims],
    ).where(ends.is_not(None))
    for created, ended, *values in s.execute(stmt):
        if isinstance(created, str):
            created = datetime.fromisoformat(created).replace(tzinfo=UTC)
            ended = datetime.fromisoformat(ended).replace(tzinfo=UTC)
        bin_ = duration_bin((ended - created).total_seconds())
        yield created, tuple(_text(v) for v in values), bin_


def span(s: Session, fact: str) -> tuple[datetime | None, datetime | None]:
    """The first and last instant of `fact` in the base tables."""
    column = _INSTANTS[fact]
    first, last = s.execute(select(func.min(column), func.max(column))).one()
    return first, last
