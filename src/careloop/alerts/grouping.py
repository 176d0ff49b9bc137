"""When a group of alerts is notified, pure, with Alertmanager's timers: a new group waits
`group_wait` before its first notification (so alerts arriving together go out together),
then is looked at every `group_interval` and notified when an alert started firing or
resolved since the last notification, or, with nothing new, once `repeat_interval` has
passed since it. Muted alerts (silenced or inhibited now) are left out; a group whose alerts
are all muted sends nothing.

Groups are plain values the caller stores; `due_notifications(groups, now)` returns the groups
after the flushes due at `now` and the notifications to write to the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from careloop.alerts.routing_tree import Route, group_key, group_labels


@dataclass(frozen=True)
class GroupAlert:
    """One alert series in a group: its fingerprint, labels, since when it fires, and when it
    resolved (None while firing)."""

    fingerprint: str
    labels: Mapping[str, str]
    starts_at: datetime
    resolved_at: datetime | None = None

    @property
    def firing(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class Group:
    """An aggregation group: one route's alerts sharing the values of its group_by labels,
    with its timers and what its last notification said."""

    key: str
    receiver: str
    labels: Mapping[str, str]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta
    created_at: datetime
    next_flush_at: datetime
    alerts: Mapping[str, GroupAlert] = field(default_factory=dict)
    flushed: bool = False
    notified_firing: frozenset[str] = frozenset()
    notified_resolved: frozenset[str] = frozenset()
    notified_at: datetime | None = None


@dataclass(frozen=True)
class Notification:
    """What to send to a receiver for a group: its firing and newly resolved alerts; `repeat`
    when nothing changed and the repeat interval brought it back."""

    group_key: str
    receiver: str
    group_labels: Mapping[str, str]
    firing: tuple[GroupAlert, ...]
    resolved: tuple[GroupAlert, ...]
    at: datetime
    repeat: bool = False


def open_group(route: Route, labels: Mapping[str, str], now: datetime) -> Group:
    """The group an alert with `labels` starts on `route`, first due after group_wait."""
    return Group(
        key=group_key(route, labels),
        receiver=route.receiver,
        labels=group_labels(route, labels),
        group_wait=route.group_wait,
        group_interval=route.group_interval,
        repeat_interval=route.repeat_interval,
        created_at=now,
        next_flush_at=now + route.group_wait,
    )


def with_alert(group: Group, alert: GroupAlert, now: datetime) -> Group:
    """The group with an alert added or updated. An alert that began firing more than
    group_wait ago makes a group not yet notified due at once (it has waited enough)."""
    alerts = {**group.alerts, alert.fingerprint: alert}
    due = group.next_flush_at
    if not group.flushed and alert.firing and alert.starts_at + group.group_wait <= now:
        due = min(due, now)
    return replace(group, alerts=alerts, next_flush_at=due)


def _needs_notification(group: Group, firing: frozenset[str], resolved: frozenset[str],
                        now: datetime, send_resolved: bool) -> bool:  # fmt: skip
    if group.notified_at is None:
        return bool(firing)  # alerts that resolved before the first notification: nothing
    if not firing <= group.notified_firing:
        return True  # a new alert fires
    if not firing:
        return bool(group.notified_firing)  # all resolved: clear what the receiver was told
    if send_resolved and not resolved <= group.notified_resolved:
        return True
    return now - group.notified_at >= group.repeat_interval


def flush(
    group: Group,
    now: datetime,
    *,
    muted: frozenset[str] = frozenset(),
    send_resolved: bool = True,
) -> tuple[Group | None, Notification | None]:
    """Look at a due group: the notification it needs now, if any, and the group after it
    (resolved alerts dropped; None once no alert is left)."""
    shown = [a for a in group.alerts.values() if a.fingerprint not in muted]
    firing = tuple(sorted((a for a in shown if a.firing), key=lambda a: a.starts_at))
    resolved = tuple(a for a in shown if not a.firing)
    firing_ids = frozenset(a.fingerprint for a in firing)
    resolved_ids = frozenset(a.fingerprint for a in resolved)
    note = None
    after = replace(group, flushed=True, next_flush_at=now + group.group_interval)
    if shown and _needs_notification(group, firing_ids, resolved_ids, now, send_resolved):
        changed = firing_ids != group.notified_firing or bool(
            resolved_ids - group.notified_resolved
        )
        note = Notification(
            group.key,
            group.receiver,
            group.labels,
            firing,
            resolved if send_resolved else (),
            now,
            repeat=group.notified_at is not None and not changed,
        )
        after = replace(after, notified_firing=firing_ids, notified_resolved=resolved_ids,
                        notified_at=now)  # fmt: skip
    # Resolved alerts leave the group once looked at (muted ones included), as in Alertmanager.
    kept = {fp: a for fp, a in group.alerts.items() if a.firing}
    if not kept:
        return None, note
    return replace(after, alerts=kept), note


def due_notifications(
    groups: Iterable[Group],
    now: datetime,
    *,
    muted: frozenset[str] = frozenset(),
    send_resolved: bool = True,
) -> tuple[list[Group], list[Notification]]:
    """Flush every group due at `now`: the groups as they stand afterwards (emptied ones
    gone, the others unchanged) and the notifications to send, in group key order."""
    kept: list[Group] = []
    notes: list[Notification] = []
    for group in sorted(groups, key=lambda g: g.key):
        if group.next_flush_at > now:
            kept.append(group)
            continue
        after, note = flush(group, now, muted=muted, send_resolved=send_resolved)
        if after is not None:
            kept.append(after)
        if note is not None:
            notes.append(note)
    return kept, notes


def next_due(groups: Iterable[Group]) -> datetime | None:
    """When the scheduler next has something to do (the job can sleep until then)."""
    return min((g.next_flush_at for g in groups), default=None)
