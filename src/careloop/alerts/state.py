"""The life of one alert series, pure: inactive, pending (the condition holds, not yet for the
rule's `for`), firing, resolved; and what each evaluation changed, which is what the later
action writes to its outbox (a firing or a resolution), in the same transaction."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


class AlertState(enum.StrEnum):
    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


class Change(enum.StrEnum):
    NONE = "none"  # nothing happened worth telling (inactive stays inactive, resolved stays so)
    PENDING = "pending"  # the condition started holding; waiting for `for`
    CANCELLED = "cancelled"  # pending, then the condition stopped: never fired, nobody told
    FIRED = "fired"
    STILL_FIRING = "still_firing"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class SeriesState:
    """Where one series stands: since when its condition holds (`active_since`), when the
    current or last episode fired and resolved, and the last value seen."""

    state: AlertState = AlertState.INACTIVE
    active_since: datetime | None = None
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    value: float | None = None


@dataclass(frozen=True)
class Observation:
    """One evaluation of one series: does the rule's condition hold now, with which value."""

    active: bool
    value: float | None = None


def next_state(
    prev: SeriesState | None,
    observation: Observation,
    now: datetime,
    *,
    for_duration: timedelta = timedelta(),
) -> tuple[SeriesState, Change]:
    """The series' state after an evaluation at `now`, and what changed. A condition fires
    once it has held for `for_duration` (at once when zero); a firing series resolves the
    first time it no longer holds; a pending one that stops holding goes back unnoticed."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    state = prev or SeriesState()
    value = observation.value
    if not observation.active:
        match state.state:
            case AlertState.FIRING:
                return replace(state, state=AlertState.RESOLVED, active_since=None,
                               resolved_at=now, value=value), Change.RESOLVED  # fmt: skip
            case AlertState.PENDING:
                return replace(state, state=AlertState.INACTIVE, active_since=None,
                               value=value), Change.CANCELLED  # fmt: skip
            case _:
                return replace(state, value=value), Change.NONE
    if state.state == AlertState.FIRING:
        return replace(state, value=value), Change.STILL_FIRING
    pending = state.state == AlertState.PENDING and state.active_since is not None
    since = state.active_since if pending and state.active_since else now
    if now - since >= for_duration:
        return (
            SeriesState(AlertState.FIRING, since, now, None, value),
            Change.FIRED,
        )
    if state.state == AlertState.PENDING:
        return replace(state, value=value), Change.NONE
    return SeriesState(AlertState.PENDING, since, state.fired_at, state.resolved_at,
                       value), Change.PENDING  # fmt: skip


def evaluate_series(
    previous: Mapping[str, SeriesState],
    observations: Mapping[str, Observation],
    now: datetime,
    *,
    for_duration: timedelta = timedelta(),
) -> dict[str, tuple[SeriesState, Change]]:
    """One evaluation of a rule over all its series, by fingerprint: a series seen before but
    absent now (no rows: nothing counted) is observed as not holding, so it resolves."""
    out: dict[str, tuple[SeriesState, Change]] = {}
    for fp in observations.keys() | previous.keys():
        seen = observations.get(fp, Observation(False))
        out[fp] = next_state(previous.get(fp), seen, now, for_duration=for_duration)
    return out
