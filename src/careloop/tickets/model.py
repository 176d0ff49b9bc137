"""The ticket vocabulary and its rules, free of any framework."""

from __future__ import annotations

import enum
import math
import re


class Channel(enum.StrEnum):
    EMAIL = "email"
    CHAT = "chat"
    WEB_FORM = "web_form"
    SOCIAL = "social"
    PHONE = "phone"
    API = "api"


class Category(enum.StrEnum):
    LOGISTICS = "logistics"
    QUALITY = "quality"
    WRONG_ITEM = "wrong_item"
    SIZE_COLOR = "size_color"
    REFUND = "refund"
    NOT_AS_DESCRIBED = "not_as_described"
    OTHER = "other"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Status(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


class MessageKind(enum.StrEnum):
    CUSTOMER = "customer"  # written by the customer (the ticket's description, a follow-up)
    REPLY = "reply"  # a public reply by an agent, seen by the customer
    NOTE = "note"  # an internal note, seen only by the team


class ShipmentStatus(enum.StrEnum):
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"


OPEN_STATUSES = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})

# Closed is final: a customer writing again about a closed ticket opens a follow-up ticket.
_ALLOWED: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def can_transition(current: Status, target: Status) -> bool:
    return current == target or target in _ALLOWED[current]


def status_after_reply(current: Status, requested: Status | None) -> Status:
    """An agent's public reply moves a new ticket to open unless the agent chose another status."""
    if requested is not None:
        return requested
    return Status.OPEN if current == Status.NEW else current


_TAG = re.compile(r"^[a-z0-9][a-z0-9_\-:.]{0,49}$")


def normalise_tag(raw: str) -> str | None:
    """Tags are lower-case words (letters, digits, - _ : .), at most 50 characters; else None."""
    tag = raw.strip().lower().replace(" ", "_")
    return tag if _TAG.match(tag) else None


MAX_CUSTOM_FIELDS = 50
_FIELD_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,63}$")


def custom_field_problems(fields: dict[str, object]) -> list[str]:
    """Custom fields are a flat map of identifiers to short scalars; returns what is wrong."""
    problems = []
    if len(fields) > MAX_CUSTOM_FIELDS:
        problems.append(f"at most {MAX_CUSTOM_FIELDS} custom fields")
    for key, value in fields.items():
        if not _FIELD_KEY.match(key):
            problems.append(f"{key!r} is not an identifier")
        if not (value is None or isinstance(value, str | int | float | bool)):
            problems.append(f"{key!r} must be a string, number, boolean or null")
        elif isinstance(value, str) and len(value) > 1000:
            problems.append(f"{key!r} is longer than 1000 characters")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{key!r} must be a finite number")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            problems.append(f"{key!r} is too large a number")
    return problems
