"""A demo ticket's life so far: assigned, noted, answered, waiting, solved, closed; with the
messages and audit rows each step leaves, and what it changed on the order (a refund, a
return). Every duration is drawn up front from the ticket's own seed; `now` only decides how
far along each ticket has come.

Six weeks ago the brand switched to careloop: before that, tickets waited hours to be
assigned by hand and first responses took about three hours; since, routing assigns in
seconds and first responses take minutes. The dashboards show the difference.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from careloop.demo import aftersales, orders
from careloop.demo.texts import (
    NOTES,
    PLANTED_LOGISTICS_NOTES,
    PLANTED_QUALITY_NOTES,
    REFUND_REASONS,
    RETURN_REASONS,
)
from careloop.tickets.model import MessageKind, Status

if TYPE_CHECKING:
    from careloop.demo.tickets import TicketPlan

UNSET = datetime(2000, 1, 1, tzinfo=UTC)
LIVE_SINCE = timedelta(days=42)
AUTO_CLOSE = timedelta(days=4)


@dataclass(frozen=True)
class Draws:
    """Every random number a ticket's life needs, drawn once so none depends on `now`."""

    fraction: float
    hour_shift: float
    orphan_age_days: float
    fast_assign_s: float
    queued: bool
    queued_min: float
    manual_assign_min: float
    frt_z: float
    one_touch: bool
    hold: bool
    note: bool
    planted_note: bool
    note_pick: int
    wait_h: float
    silent: bool
    reply_z: float
    review_h: float
    follow_pick: int
    thanks: bool
    thanks_pick: int
    thanks_h: float
    resolve_min: float
    outcome: float

    @classmethod
    def draw(cls, rng: random.Random) -> Draws:
        return cls(
            fraction=rng.random(),
            hour_shift=rng.uniform(0, 24),
            orphan_age_days=rng.uniform(0.02, 88),
            fast_assign_s=rng.uniform(2, 40),
            queued=rng.random() < 0.15,
            queued_min=rng.uniform(5, 150),
            manual_assign_min=rng.lognormvariate(math.log(70), 0.7),
            frt_z=rng.gauss(0, 1),
            one_touch=rng.random() < 0.3,
            hold=rng.random() < 0.25,
            note=rng.random() < 0.4,
            planted_note=rng.random() < 0.75,
            note_pick=rng.randrange(1000),
            wait_h=rng.lognormvariate(math.log(14), 0.8),
            silent=rng.random() < 0.2,
            reply_z=rng.gauss(0, 1),
            review_h=rng.lognormvariate(math.log(28), 0.9),
            follow_pick=rng.randrange(1000),
            thanks=rng.random() < 0.3,
            thanks_pick=rng.randrange(1000),
            thanks_h=rng.uniform(0.3, 20),
            resolve_min=rng.uniform(3, 80),
            outcome=rng.random(),
        )


@dataclass
class MessageStep:
    kind: MessageKind
    body: str
    at: datetime
    by_agent: bool


@dataclass
class AuditStep:
    at: datetime
    action: str
    changes: dict[str, tuple[Any, Any]]
    message: int | None = None  # index into the story's messages, for "message_id"


@dataclass
class Story:
    status: Status = Status.NEW
    assigned: bool = False
    updated_at: datetime = UNSET
    first_response_at: datetime | None = None
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    messages: list[MessageStep] = field(default_factory=list)
    audits: list[AuditStep] = field(default_factory=list)

    def say(self, kind: MessageKind, body: str, at: datetime, action: str, **changes: Any) -> None:
        self.messages.append(MessageStep(kind, body, at, kind != MessageKind.CUSTOMER))
        self.audits.append(AuditStep(at, action, dict(changes), len(self.messages) - 1))
        self.updated_at = at

    def move(self, target: Status, at: datetime) -> dict[str, tuple[Any, Any]]:
        """Change status as the real actions do; returns the audit changes."""
        changes: dict[str, tuple[Any, Any]] = {}
        if target == self.status:
            return changes
        changes["status"] = (self.status.value, target.value)
        if target == Status.SOLVED:
            changes["solved_at"] = (self.solved_at, at)
            self.solved_at = at
        elif target == Status.CLOSED:
            changes["closed_at"] = (None, at)
            self.closed_at = at
        elif self.status == Status.SOLVED:
            changes["solved_at"] = (self.solved_at, None)
            self.solved_at = None
        self.status = target
        self.updated_at = at
        return changes


def _minutes(median: float, z: float, sigma: float) -> timedelta:
    return timedelta(minutes=median * math.exp(sigma * z))


def _adjust_order(ticket: TicketPlan, now: datetime) -> None:
    """Make the parcel's story match the complaint: held at customs, or late."""
    order, tag = ticket.order, ticket.complaint.tag_list[0]
    if order is None or ticket.category != "logistics":
        return
    if tag == "customs" and not order.customs_hold:
        order.customs_hold = True
        orders.reship(order, now)
    elif tag == "delayed" and order.transit_days <= order.market.transit_days[1]:
        order.transit_days += 8
        orders.reship(order, now)


def live(ticket: TicketPlan, now: datetime, planted_batch: str) -> None:
    """Play the ticket's life from its creation up to `now`."""
    from careloop.demo.tickets import created_at_for

    _adjust_order(ticket, now)
    d, story = ticket.life, ticket.story
    created = created_at_for(ticket, now)
    ticket.created_at = created
    story.updated_at = created
    story.messages.append(MessageStep(MessageKind.CUSTOMER, ticket.body, created, False))
    story.audits.append(AuditStep(created, "created", {}))
    live_era = now - created < LIVE_SINCE
    if live_era:
        delay = timedelta(minutes=d.queued_min) if d.queued else timedelta(seconds=d.fast_assign_s)
        frt = _minutes(16, d.frt_z, 0.7)
        reply_gap = _minutes(25, d.reply_z, 0.8)
    else:
        delay = timedelta(minutes=d.manual_assign_min)
        frt = _minutes(185, d.frt_z, 0.55)
        reply_gap = _minutes(170, d.reply_z, 0.6)
    assigned_at = created + delay
    if assigned_at > now:
        return
    story.assigned = True
    changes = {"assignee_id": (None, "agent")} | story.move(Status.OPEN, assigned_at)
    story.audits.append(AuditStep(assigned_at, "updated", changes))
    reply_at = max(created + frt, assigned_at + timedelta(minutes=1))
    if d.note:
        _note(ticket, assigned_at + (reply_at - assigned_at) * 0.6, now, planted_batch)
    if reply_at > now:
        return
    texts, values, category = ticket.texts, ticket.values, ticket.category
    signature = "\n\n" + texts.signature.format_map(values)
    story.first_response_at = reply_at
    if d.one_touch:
        _reply(story, texts.resolutions[category].format_map(values) + signature, reply_at, True)
    else:
        waiting = Status.ON_HOLD if d.hold and category in {"logistics", "quality"} else None
        body = texts.first_replies[category].format_map(values) + signature
        _reply(story, body, reply_at, True, waiting or Status.PENDING)
        if d.silent:  # the customer never wrote back: solved after three days of waiting
            quiet_at = reply_at + timedelta(days=3)
            if quiet_at > now:
                return
            story.audits.append(AuditStep(quiet_at, "updated", story.move(Status.SOLVED, quiet_at)))
            _after_solved(ticket, now)
            return
        follow_at = reply_at + timedelta(hours=d.wait_h)
        if follow_at > now:
            return
        follow = texts.follow_ups[d.follow_pick % len(texts.follow_ups)]
        change = story.move(Status.OPEN, follow_at) if story.status == Status.PENDING else {}
        story.say(MessageKind.CUSTOMER, follow, follow_at, "customer_wrote", **change)
        # Carriers, the warehouse and the quality team take a day or so to come back.
        waits_on_others = category not in {"other", "size_color"}
        second_at = follow_at + (timedelta(hours=d.review_h) if waits_on_others else reply_gap)
        if second_at > now:
            return
        _reply(story, texts.resolutions[category].format_map(values) + signature, second_at, False)
    _after_solved(ticket, now)


def _reply(
    story: Story, body: str, at: datetime, first: bool, status: Status = Status.SOLVED
) -> None:
    changes = story.move(status, at)
    if first:
        changes["first_response_at"] = (None, at)
    story.say(MessageKind.REPLY, body, at, "replied", **changes)


def _note(ticket: TicketPlan, at: datetime, now: datetime, planted_batch: str) -> None:
    if at > now:
        return
    d, category = ticket.life, ticket.category
    options = NOTES[category]
    if ticket.planted == "quality" and d.planted_note:
        options = PLANTED_QUALITY_NOTES
    elif ticket.planted == "logistics" and d.planted_note:
        options = PLANTED_LOGISTICS_NOTES
    values = dict(ticket.values, batch=ticket.values["batch"] or planted_batch)
    body = options[d.note_pick % len(options)].format_map(values)
    ticket.story.say(MessageKind.NOTE, body, at, "noted")


def _after_solved(ticket: TicketPlan, now: datetime) -> None:
    """Thanks that reopen and get solved again, auto-close, and what solving did to the order."""
    d, story = ticket.life, ticket.story
    if story.solved_at is None:
        return
    if d.thanks:
        thanks_at = story.solved_at + timedelta(hours=d.thanks_h)
        if thanks_at <= now:
            thanks = ticket.texts.thanks[d.thanks_pick % len(ticket.texts.thanks)]
            change = story.move(Status.OPEN, thanks_at)
            story.say(MessageKind.CUSTOMER, thanks, thanks_at, "customer_wrote", **change)
            again = thanks_at + timedelta(minutes=d.resolve_min)
            if again <= now:
                story.audits.append(AuditStep(again, "updated", story.move(Status.SOLVED, again)))
    if story.status == Status.SOLVED and story.solved_at is not None:
        close_at = story.solved_at + AUTO_CLOSE
        if close_at <= now:
            story.audits.append(AuditStep(close_at, "updated", story.move(Status.CLOSED, close_at)))
    _outcome(ticket, now)


def _outcome(ticket: TicketPlan, now: datetime) -> None:
    """A solved complaint leaves its mark on the order: refunds and returns."""
    order, line, story = ticket.order, ticket.line, ticket.story
    if order is None or story.first_response_at is None:
        return
    solved = story.solved_at or story.closed_at or story.updated_at
    category, tag = ticket.category, ticket.complaint.tag_list[0]
    if category == "quality" and line is not None:
        aftersales.add_refund(order, REFUND_REASONS[category], aftersales.line_total(line), solved)
    elif category == "not_as_described" and line is not None:
        partial = (aftersales.line_total(line) * Decimal("0.3")).quantize(Decimal("0.01"))
        aftersales.add_refund(order, REFUND_REASONS[category], partial, solved)
    elif category in {"wrong_item", "size_color"} and line is not None:
        reason, note = RETURN_REASONS[category]
        at = story.first_response_at
        aftersales.add_return(order, line, reason, note, at, now, refund=False)
    elif category == "refund" and tag == "cancellation":
        aftersales.add_refund(order, REFUND_REASONS["refund"], order.total, solved)
    elif category == "refund" and tag == "refund_status":
        returned = aftersales.line_total(order.lines[0])
        aftersales.add_refund(order, "Return received and checked", returned, solved)
    elif (
        category == "logistics"
        and order.shipment.status in {"exception", "returned"}
        and ticket.life.outcome < 0.4
    ):
        aftersales.add_refund(order, REFUND_REASONS["logistics"], order.total, solved)
