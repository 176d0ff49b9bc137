"""Saved views: named inbox filters (kept for one user or shared with everyone), and grid views
over tickets or orders (kept for one user or shared with a team)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from careloop.errors import Conflict, Forbidden, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets.grid_columns import ENTITIES as GRID_ENTITIES
from careloop.tickets.grid_spec import GridSpec
from careloop.tickets.tables import SavedView
from careloop.workforce.tables import Agent, Team

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


# Grid views: a named configuration over tickets or orders, private or shared with one team.
# Team members (agents of the team and its lead) see a shared view; its owner, the team's lead
# and admins manage it.


def teams_of_in(s: Session, user_id: int) -> set[int]:
    """The teams a user belongs to: as an agent of the team or as its lead."""
    member = select(Agent.team_id).where(Agent.user_id == user_id, Agent.team_id.is_not(None))
    led = select(Team.id).where(Team.lead_id == user_id)
    return {int(t) for t in s.scalars(member.union(led)) if t is not None}


def _can_manage_in(s: Session, view: SavedView, user_id: int, is_admin: bool) -> bool:
    if view.owner_id == user_id:
        return True
    if view.team_id is None:
        return False
    return is_admin or s.scalar(select(Team.lead_id).where(Team.id == view.team_id)) == user_id


def _check_manager_in(s: Session, view: SavedView, user_id: int, is_admin: bool, verb: str) -> None:
    """403 for a view one sees but may not manage; 404 for one one does not even see."""
    if _can_manage_in(s, view, user_id, is_admin):
        return
    if view.owner_id != user_id and view.team_id not in teams_of_in(s, user_id):
        raise NotFound(f"no saved view {view.id}")
    raise Forbidden(f"only the owner, the team's lead or an admin may {verb} this view")


def _visible(user_id: int, team_ids: set[int]) -> ColumnElement[bool]:
    shared = SavedView.team_id.in_(sorted(team_ids)) if team_ids else false()
    return and_(SavedView.entity.in_(GRID_ENTITIES), or_(SavedView.owner_id == user_id, shared))


def grid_views_for(db: Database, user_id: int) -> list[SavedView]:
    """The grid views a user sees: their own and those shared with their teams, by name."""
    with db.read() as s:
        teams = teams_of_in(s, user_id)
        stmt = select(SavedView).where(_visible(user_id, teams)).order_by(SavedView.name)
        return list(s.scalars(stmt))


def grid_view_for(db: Database, user_id: int, view_id: int) -> SavedView:
    """One grid view the user may see; 404 for any other (its existence is not told)."""
    with db.read() as s:
        view = s.get(SavedView, view_id)
        if view is None or view.entity not in GRID_ENTITIES:
            raise NotFound(f"no saved view {view_id}")
        if view.owner_id != user_id and view.team_id not in teams_of_in(s, user_id):
            raise NotFound(f"no saved view {view_id}")
        return view


def manageable_view_ids(db: Database, user_id: int, is_admin: bool) -> set[int]:
    """Which of the user's visible grid views they may change or delete (one query)."""
    with db.read() as s:
        led = select(Team.id).where(Team.lead_id == user_id)
        stmt = select(SavedView.id).where(
            SavedView.entity.in_(GRID_ENTITIES),
            or_(
                SavedView.owner_id == user_id,
                SavedView.team_id.is_not(None) if is_admin else SavedView.team_id.in_(led),
            ),
        )
        return set(s.scalars(stmt))


def _check_team_in(s: Session, team_id: int | None, user_id: int, is_admin: bool) -> None:
    if team_id is None:
        return
    if s.get(Team, team_id) is None:
        raise Invalid(f"unknown team {team_id}", {"field": "team_id"})
    if not is_admin and team_id not in teams_of_in(s, user_id):
        raise Forbidden("a view can be shared only with a team of yours", {"team_id": team_id})


def create_grid_view(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    owner_id: int,
    is_admin: bool,
    name: str,
    spec: GridSpec,
    team_id: int | None = None,
) -> SavedView:
    """Keep a grid's configuration under a name, private or shared with one of one's teams."""
    name = _clean_name(name)
    with db.write() as s:
        _check_team_in(s, team_id, owner_id, is_admin)
        _check_free_in(s, owner_id, name)
        view = SavedView(
            owner_id=owner_id,
            name=name,
            entity=spec.entity,
            filters={},
            config=spec.config(),
            shared=False,
            team_id=team_id,
            created_at=now,
            updated_at=now,
        )
        s.add(view)
        s.flush()
        changes: dict[str, tuple[Any, Any]] = {"name": (None, name), "entity": (None, spec.entity)}
        changes |= {"config": (None, spec.config()), "team_id": (None, team_id)}
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="saved_view",
            entity_id=view.id,
            action="created",
            changes=changes,
        )
        return view


def _check_free_in(s: Session, owner_id: int, name: str, ignore_id: int | None = None) -> None:
    taken = s.scalar(
        select(SavedView.id).where(SavedView.owner_id == owner_id, SavedView.name == name)
    )
    if taken is not None and taken != ignore_id:
        raise Conflict(f"you already have a view named {name!r}", {"field": "name"})


KEEP = object()  # update_grid_view: leave the team as it is


def update_grid_view(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    view_id: int,
    user_id: int,
    is_admin: bool,
    name: str | None = None,
    spec: GridSpec | None = None,
    team_id: int | object | None = KEEP,
) -> SavedView:
    """Rename, reconfigure or (un)share a grid view: its owner, or for a team's view the team's
    lead or an admin. The entity never changes."""
    with db.write() as s:
        view = s.get(SavedView, view_id, with_for_update=True)
        if view is None or view.entity not in GRID_ENTITIES:
            raise NotFound(f"no saved view {view_id}")
        _check_manager_in(s, view, user_id, is_admin, "change")
        changes: dict[str, tuple[Any, Any]] = {}
        if name is not None:
            clean = _clean_name(name)
            _check_free_in(s, view.owner_id, clean, ignore_id=view.id)
            if clean != view.name:
                changes["name"] = (view.name, clean)
                view.name = clean
        if spec is not None:
            if spec.entity != view.entity:
                raise Invalid("a view keeps its entity", {"field": "entity"})
            if spec.config() != view.config:
                changes["config"] = (view.config, spec.config())
                view.config = spec.config()
        if team_id is not KEEP and team_id != view.team_id:
            new_team = team_id if isinstance(team_id, int) else None
            _check_team_in(s, new_team, user_id, is_admin)
            changes["team_id"] = (view.team_id, new_team)
            view.team_id = new_team
        if changes:
            view.updated_at = now
            audit.record(
                s,
                at=now,
                actor=actor,
                entity_type="saved_view",
                entity_id=view.id,
                action="updated",
                changes=changes,
            )
        s.flush()
        return view


def delete_grid_view(
    db: Database, *, actor: Actor, now: datetime, view_id: int, user_id: int, is_admin: bool
) -> None:
    """Remove a grid view: its owner, or for a team's view the team's lead or an admin."""
    with db.write() as s:
        view = s.get(SavedView, view_id, with_for_update=True)
        if view is None or view.entity not in GRID_ENTITIES:
            raise NotFound(f"no saved view {view_id}")
        _check_manager_in(s, view, user_id, is_admin, "delete")
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="saved_view",
            entity_id=view.id,
            action="deleted",
            changes={"name": (view.name, None), "config": (view.config, None)},
        )
        s.delete(view)


def teams_to_share_with(db: Database, user_id: int, is_admin: bool) -> list[tuple[int, str]]:
    """The teams a user may share a view with (their own; every team for an admin), by name."""
    with db.read() as s:
        stmt = select(Team.id, Team.name).order_by(Team.name)
        if not is_admin:
            member = select(Agent.team_id).where(Agent.user_id == user_id)
            stmt = stmt.where(or_(Team.lead_id == user_id, Team.id.in_(member)))
        return [(int(i), str(n)) for i, n in s.execute(stmt)]
