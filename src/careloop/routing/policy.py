"""The stored routing policies: the default row (no team) and a team's own rows, read as one
`Policies` for each routing or hand-off pass, and changed by an admin with validation and an
audit row. A missing default row means `RoutingPolicy()`'s defaults."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop import validation
from careloop.errors import Invalid, NotFound
from careloop.routing.model import Policies, RoutingPolicy, Strategy
from careloop.routing.tables import RoutingPolicyRow
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.tables import Team

# Durations are whole seconds within a week: longer makes no sense for a queue, and it keeps
# the values inside a 32-bit column.
MAX_SECONDS = 7 * 24 * 3600
MAX_FALLBACK_LANGUAGES = 10
# An assignment needs a moment to be opened: less would hand every one back at once.
MIN_UNOPENED_SECONDS = 60
DEFAULT_FIELDS = frozenset(
    {
        "strategy",
        "fallback_languages",
        "fallback_after_seconds",
        "unopened_after_seconds",
        "keep_answered",
    }
)
# A team's row decides its agents' hand-off and the strategy among them; the language
# fallback is everyone's, so it lives on the default row only.
TEAM_FIELDS = frozenset({"strategy", "unopened_after_seconds", "keep_answered"})


def policy_of(row: RoutingPolicyRow, default: RoutingPolicy | None = None) -> RoutingPolicy:
    """The pure policy a row stands for; a team's row takes the fallback from `default`."""
    base = default or RoutingPolicy()
    unopened = row.unopened_after_seconds
    return RoutingPolicy(
        strategy=Strategy(row.strategy),
        fallback_languages=(
            tuple(row.fallback_languages) if row.team_id is None else base.fallback_languages
        ),
        fallback_after=(
            timedelta(seconds=row.fallback_after_seconds)
            if row.team_id is None
            else base.fallback_after
        ),
        unopened_after=None if unopened is None else timedelta(seconds=unopened),
        keep_answered=row.keep_answered,
    )


def policies_in(s: Session) -> Policies:
    """Every stored policy, in one small query."""
    rows = list(s.scalars(select(RoutingPolicyRow).order_by(RoutingPolicyRow.id)))
    default_row = next((r for r in rows if r.team_id is None), None)
    default = RoutingPolicy() if default_row is None else policy_of(default_row)
    teams = {r.team_id: policy_of(r, default) for r in rows if r.team_id is not None}
    return Policies(default=default, teams=teams)


def load_policies(db: Database) -> Policies:
    with db.read() as s:
        return policies_in(s)


def list_policies(db: Database) -> tuple[RoutingPolicyRow | None, list[RoutingPolicyRow]]:
    """The default row (None when never set) and the teams' rows by team id."""
    with db.read() as s:
        rows = list(s.scalars(select(RoutingPolicyRow).order_by(RoutingPolicyRow.id)))
    default = next((r for r in rows if r.team_id is None), None)
    return default, sorted((r for r in rows if r.team_id is not None), key=lambda r: r.team_id or 0)


def _seconds(data: Mapping[str, Any], name: str, *, nullable: bool, least: int = 0) -> int | None:
    value = data[name]
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"'{name}' must be a whole number of seconds", {"field": name})
    if not least <= value <= MAX_SECONDS:
        raise Invalid(f"'{name}' must lie in {least} to {MAX_SECONDS} seconds", {"field": name})
    return value


def _languages(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) > MAX_FALLBACK_LANGUAGES:
        raise Invalid(
            f"'fallback_languages' is a list of at most {MAX_FALLBACK_LANGUAGES} ISO 639-1 codes",
            {"field": "fallback_languages"},
        )
    out: list[str] = []
    for code in value:
        if not isinstance(code, str):
            raise Invalid("a language is an ISO 639-1 code", {"field": "fallback_languages"})
        normal = validation.language(code, "fallback_languages")
        if normal not in out:
            out.append(normal)
    return out


def checked_settings(data: Mapping[str, Any], *, team: bool) -> dict[str, Any]:
    """The settings of a row, each checked; missing ones take their defaults (a PUT replaces
    the whole row). A team's row may not set the language fallback."""
    allowed = TEAM_FIELDS if team else DEFAULT_FIELDS
    unknown = sorted(set(data) - allowed)
    if unknown:
        why = "a team's policy sets no language fallback" if team else "unknown setting"
        raise Invalid(f"{why}: {unknown}", {"field": unknown[0]})
    defaults = RoutingPolicy()
    full = {
        "strategy": defaults.strategy.value,
        "fallback_languages": list(defaults.fallback_languages),
        "fallback_after_seconds": int(defaults.fallback_after.total_seconds()),
        "unopened_after_seconds": None,
        "keep_answered": defaults.keep_answered,
        **data,
    }
    strategy = full["strategy"]
    if strategy not in Strategy._value2member_map_:
        raise Invalid(
            f"'strategy' must be one of {[s.value for s in Strategy]}", {"field": "strategy"}
        )
    if not isinstance(full["keep_answered"], bool):
        raise Invalid("'keep_answered' is true or false", {"field": "keep_answered"})
    checked: dict[str, Any] = {
        "strategy": Strategy(strategy).value,
        "unopened_after_seconds": _seconds(
            full, "unopened_after_seconds", nullable=True, least=MIN_UNOPENED_SECONDS
        ),
        "keep_answered": full["keep_answered"],
    }
    if not team:
        checked["fallback_languages"] = _languages(full["fallback_languages"])
        checked["fallback_after_seconds"] = _seconds(full, "fallback_after_seconds", nullable=False)
    return checked


def _row_in(s: Session, team_id: int | None) -> RoutingPolicyRow | None:
    # Ordered: two admins racing to create the default row (NULL team ids are not unique)
    # could leave two; the first is the one that counts, here and in `policies_in`.
    stmt = select(RoutingPolicyRow).order_by(RoutingPolicyRow.id).limit(1).with_for_update()
    if team_id is None:
        return s.scalar(stmt.where(RoutingPolicyRow.team_id.is_(None)))
    return s.scalar(stmt.where(RoutingPolicyRow.team_id == team_id))


def set_policy(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    team_id: int | None,
    data: Mapping[str, Any],
) -> RoutingPolicyRow:
    """Store the default policy (`team_id` None) or a team's own, replacing what was there;
    audited with before and after. Bad settings are a 422, an unknown team a 404."""
    settings = checked_settings(data, team=team_id is not None)
    with db.write() as s:
        if team_id is not None and s.get(Team, team_id) is None:
            raise NotFound(f"no team {team_id}", {"team_id": team_id})
        row = _row_in(s, team_id)
        created = row is None
        if row is None:
            row = RoutingPolicyRow(
                team_id=team_id,
                strategy=RoutingPolicy().strategy.value,
                fallback_languages=[],
                fallback_after_seconds=int(RoutingPolicy().fallback_after.total_seconds()),
                unopened_after_seconds=None,
                keep_answered=True,
                updated_at=now,
            )
            s.add(row)
        changes = {
            k: (None if created else getattr(row, k), v)
            for k, v in settings.items()
            if created or getattr(row, k) != v
        }
        for k, v in settings.items():
            setattr(row, k, v)
        row.updated_at = now
        s.flush()
        if changes:
            audit.record(
                s,
                at=now,
                actor=actor,
                entity_type="routing_policy",
                entity_id=row.id,
                action="created" if created else "updated",
                changes={"team_id": (None, team_id)} | changes if created else changes,
            )
        return row


def delete_team_policy(db: Database, *, actor: Actor, now: datetime, team_id: int) -> bool:
    """Remove a team's own policy, so the default applies to it again; False when it had none
    (nothing changes). An unknown team is a 404."""
    with db.write() as s:
        if s.get(Team, team_id) is None:
            raise NotFound(f"no team {team_id}", {"team_id": team_id})
        row = _row_in(s, team_id)
        if row is None:
            return False
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="routing_policy",
            entity_id=row.id,
            action="deleted",
            changes={
                "team_id": (team_id, None),
                "strategy": (row.strategy, None),
                "unopened_after_seconds": (row.unopened_after_seconds, None),
                "keep_answered": (row.keep_answered, None),
            },
        )
        s.delete(row)
        return True
