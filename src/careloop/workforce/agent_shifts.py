"""The read side of an agent's own roster: upcoming shifts, the notices of changes to them, and
the iCalendar feed a calendar app subscribes to through the agent's secret address."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import select

from careloop.errors import NotFound
from careloop.storage.engine import Database
from careloop.workforce.model import ShiftStatus
from careloop.workforce.tables import Agent, Shift, ShiftNotice

UPCOMING_DAYS = 14
RECENT_NOTICES = 10
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=90)


@dataclass(frozen=True)
class NoticeView:
    """A notice of a roster change, with the shift's instants (before and after when moved)."""

    id: int
    kind: str
    at: datetime
    starts_at: datetime | None
    ends_at: datetime | None
    previous_starts_at: datetime | None = None
    previous_ends_at: datetime | None = None


@dataclass(frozen=True)
class MyShifts:
    agent: Agent
    shifts: list[Shift]
    notices: list[NoticeView]


def agent_of_user(db: Database, user_id: int | None) -> Agent | None:
    if user_id is None:
        return None
    with db.read() as s:
        return s.get(Agent, user_id)


def my_shifts(db: Database, *, agent_id: int, now: datetime, days: int = UPCOMING_DAYS) -> MyShifts:
    """The agent's published shifts from now to `days` ahead (including the one under way) and
    the recent notices of roster changes."""
    with db.read() as s:
        agent = s.get(Agent, agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id} not found")
        shifts = list(
            s.scalars(
                select(Shift)
                .where(
                    Shift.agent_id == agent_id,
                    Shift.status == ShiftStatus.PUBLISHED,
                    Shift.ends_at > now,
                    Shift.starts_at < now + timedelta(days=days),
                )
                .order_by(Shift.starts_at)
            )
        )
        notices = list(
            s.scalars(
                select(ShiftNotice)
                .where(ShiftNotice.agent_id == agent_id)
                .order_by(ShiftNotice.id.desc())
                .limit(RECENT_NOTICES)
            )
        )
    return MyShifts(
        agent=agent,
        shifts=shifts,
        notices=[notice_view(n) for n in notices],
    )


def notice_view(notice: ShiftNotice) -> NoticeView:
    """Read a notice's details: each of starts_at and ends_at is an ISO instant, or a pair
    [before, after] when the shift moved."""
    details = notice.details or {}
    starts, before_starts = _instants(details.get("starts_at"))
    ends, before_ends = _instants(details.get("ends_at"))
    if before_starts or before_ends:  # a move may change one end only
        before_starts, before_ends = before_starts or starts, before_ends or ends
    return NoticeView(
        id=notice.id,
        kind=notice.kind,
        at=notice.at,
        starts_at=starts,
        ends_at=ends,
        previous_starts_at=before_starts,
        previous_ends_at=before_ends,
    )


def _instants(value: Any) -> tuple[datetime | None, datetime | None]:
    """(current, previous) from a stored value."""
    if isinstance(value, list | tuple) and len(value) == 2:
        after, _ = _instants(value[1])
        before, _ = _instants(value[0])
        return after, before
    if isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return None, None
        return (instant if instant.tzinfo is not None else None), None
    return None, None


# --- the iCalendar feed ----------------------------------------------------------------------


def agent_by_calendar_token(db: Database, token: str) -> Agent:
    """The agent whose feed this secret opens; an unknown secret is a 404, like any address."""
    agent = None
    if 0 < len(token) <= 64:
        with db.read() as s:
            agent = s.scalar(select(Agent).where(Agent.calendar_token == token))
    if agent is None:
        raise NotFound("no calendar at this address")
    return agent


def ics_feed(
    db: Database,
    *,
    agent: Agent,
    now: datetime,
    calendar_name: str,
    summary: Callable[[Shift], str],
) -> bytes:
    """The agent's published shifts from 30 days ago to 90 days ahead as an iCalendar document
    (UTC instants), for a calendar app to subscribe to."""
    with db.read() as s:
        shifts = list(
            s.scalars(
                select(Shift)
                .where(
                    Shift.agent_id == agent.user_id,
                    Shift.status == ShiftStatus.PUBLISHED,
                    Shift.ends_at > now - FEED_PAST,
                    Shift.starts_at < now + FEED_AHEAD,
                )
                .order_by(Shift.starts_at)
            )
        )
    cal = Calendar()
    cal.add("prodid", "-//careloop//roster//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", calendar_name)
    for shift in shifts:
        event = Event()
        event.add("uid", f"shift-{shift.id}@careloop")
        event.add("dtstamp", now)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", summary(shift))
        event.add("last-modified", shift.updated_at)
        if shift.note:
            event.add("description", shift.note)
        cal.add_component(event)
    return bytes(cal.to_ical())
