"""State changes of saved views: named inbox filters, kept for one user or shared with everyone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from careloop.errors import Conflict, Forbidden, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets.tables import SavedView

# The inbox parameters a view may keep; anything else is refused rather than silently stored.
FILTER_KEYS = frozenset({"tab", "status", "brand", "category", "country", "language", "tag", "q"})
MAX_NAME = 100
MAX_VALUE = 200


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or "\x00" in name:
        raise Invalid(f"a view needs a name of 1 to {MAX_NAME} characters", {"field": "name"})
    return name


def _clean_filters(filters: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(filters) - FILTER_KEYS)
    if unknown:
        raise Invalid(f"unknown filters: {', '.join(unknown)}", {"field": "filters"})
    out: dict[str, str] = {}
    for key in sorted(filters):
        value = filters[key]
        if not isinstance(value, str) or len(value) > MAX_VALUE or "\x00" in value:
            raise Invalid(f"filter {key!r} is not a short text", {"field": "filters"})
        if value.strip():
            out[key] = value.strip()
    return out


def create_saved_view(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    owner_id: int,
    name: str,
    filters: dict[str, str],
    shared: bool = False,
) -> SavedView:
    """Keep the given inbox filters under a name; names are unique per owner."""
    name = _clean_name(name)
    filters = _clean_filters(filters)
    with db.write() as s:
        taken = s.scalar(
            select(SavedView.id).where(SavedView.owner_id == owner_id, SavedView.name == name)
        )
        if taken is not None:
            raise Conflict(f"you already have a view named {name!r}", {"field": "name"})
        view = SavedView(
            owner_id=owner_id, name=name, filters=filters, shared=shared, created_at=now
        )
        s.add(view)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="saved_view",
            entity_id=view.id,
            action="created",
            changes={"name": (None, name), "filters": (None, filters), "shared": (None, shared)},
        )
        return view


def delete_saved_view(
    db: Database, *, actor: Actor, now: datetime, view_id: int, user_id: int
) -> None:
    """Remove a view; only its owner may, shared or not."""
    with db.write() as s:
        view = s.get(SavedView, view_id)
        if view is None:
            raise NotFound(f"no saved view {view_id}")
        if view.owner_id != user_id:
            raise Forbidden("only the owner of a view may delete it", {"view_id": view_id})
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="saved_view",
            entity_id=view.id,
            action="deleted",
            changes={"name": (view.name, None), "filters": (view.filters, None)},
        )
        s.delete(view)
