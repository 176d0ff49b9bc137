"""Escalation and acknowledgement. A firing alert sent to a receiver with an escalation policy
climbs its steps while nobody acknowledges it: each step, once its wait has passed since the
alert fired, notifies its receiver (naming the team lead on duty when the step asks for one),
the whole list repeated as configured. Acknowledging, or the alert resolving, stops it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.alerts import compose, links, outbox
from careloop.alerts.delivery_tables import Receiver
from careloop.alerts.evaluate import evaluate_rules, group_digest, lock, public_url, views
from careloop.alerts.model import parse_duration
from careloop.alerts.state import AlertState
from careloop.alerts.tables import AlertGroupState, AlertSeries, EscalationPolicy
from careloop.errors import Conflict, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.workforce.queries import on_duty_agents_in
from careloop.workforce.tables import Team


def schedule(
    steps: Sequence[dict[str, Any]], repeat: int
) -> list[tuple[timedelta, dict[str, Any]]]:
    """Every step in order, the list `repeat` more times, each with its wait counted from the
    firing (waits add up)."""
    out, total = [], timedelta()
    for _ in range(repeat + 1):
        for step in steps:
            total += parse_duration(step["after"], "after")
            out.append((total, step))
    return out


def _on_duty_lead(s: Session, team_id: int, now: datetime) -> str | None:
    """Who the step reaches in the team: its lead when on duty, else the first agent of the
    team on duty, else nobody."""
    on_duty = on_duty_agents_in(s, at=now, team_id=team_id)
    lead_id = s.scalar(select(Team.lead_id).where(Team.id == team_id))
    for agent in on_duty:
        if agent.agent_id == lead_id:
            return f"{agent.name} (team lead)"
    return on_duty[0].name if on_duty else None


def run_escalation(db: Database, now: datetime, *, base_url: str | None = None) -> list[str]:
    """The escalation job: notify the steps come due of unacknowledged firing alerts, then
    flush the alert groups due (so group_wait holds between evaluations)."""
    url = base_url if base_url is not None else public_url()
    sent: list[str] = []
    with db.write() as s:
        lock(s)
        rows = s.scalars(
            select(AlertSeries).where(
                AlertSeries.state == AlertState.FIRING.value,
                AlertSeries.acknowledged_at.is_(None),
                AlertSeries.escalation_policy_id.is_not(None),
                AlertSeries.escalation_from.is_not(None),
            )
        ).all()
        if rows:
            key = links.config_row(s, now).signing_key
            receivers = {r.name: r for r in s.scalars(select(Receiver))}
            shown = views(s, [r.fingerprint for r in rows])
            for row in rows:
                policy = s.get(EscalationPolicy, row.escalation_policy_id)
                if policy is None or not policy.active or row.escalation_from is None:
                    continue
                plan = schedule(policy.steps, policy.repeat)
                while row.escalation_step < len(plan):
                    wait, step = plan[row.escalation_step]
                    if now < row.escalation_from + wait:
                        break
                    row.escalation_step += 1
                    receiver = receivers.get(step["receiver"])
                    if receiver is None:
                        continue
                    team = step.get("lead_on_duty")
                    who = _on_duty_lead(s, int(team), now) if team is not None else None
                    message = compose.escalation_message(
                        shown[row.fingerprint],
                        row.escalation_step,
                        wait,
                        who,
                        links.ack_url(url, key, [row.id], now),
                    )
                    episode = int(row.escalation_from.timestamp())
                    nkey = f"{row.fingerprint}:{episode}:esc{row.escalation_step}:{receiver.id}"
                    outbox.enqueue_notification(
                        s,
                        receiver_id=receiver.id,
                        key=nkey,
                        message=message,
                        now=now,
                        first_event_at=row.fired_at,
                        detected_at=now,
                    )
                    sent.append(nkey)
    evaluate_rules(db, now, rule_ids=(), base_url=url)
    return sent


def acknowledge_in(s: Session, *, actor: Actor, now: datetime, series_ids: Sequence[int]) -> int:
    """Acknowledge alerts in the caller's transaction: the series, their notifications (those
    of their groups and escalations) and so their escalation; already acknowledged or no
    longer firing ones are left as they are. How many were acknowledged."""
    rows = s.scalars(
        select(AlertSeries).where(AlertSeries.id.in_(list(series_ids))).with_for_update()
    ).all()
    if not rows:
        raise NotFound("no such alert", {"ids": list(series_ids)})
    done = 0
    groups = list(s.scalars(select(AlertGroupState)))
    for row in rows:
        if row.acknowledged_at is not None or row.state != AlertState.FIRING.value:
            continue
        row.acknowledged_at, row.acknowledged_by = now, actor.label
        outbox.acknowledge(s, key_prefix=f"{row.fingerprint}:", now=now)
        for g in groups:
            if row.fingerprint in g.alerts:
                outbox.acknowledge(s, key_prefix=f"grp:{group_digest(g.key)}:", now=now)
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="alert",
            entity_id=row.id,
            action="acknowledged",
            changes={"acknowledged_at": (None, now)},
        )
        done += 1
    return done


def acknowledge(db: Database, *, actor: Actor, now: datetime, series_id: int) -> AlertSeries:
    """Acknowledge one alert by id; one not firing is a 409."""
    with db.write() as s:
        row = s.get(AlertSeries, series_id)
        if row is None:
            raise NotFound(f"no alert {series_id}")
        if row.state != AlertState.FIRING.value:
            raise Conflict("only a firing alert can be acknowledged", {"state": row.state})
        acknowledge_in(s, actor=actor, now=now, series_ids=[series_id])
        return row


def alerts_of_token(db: Database, *, token: str, now: datetime) -> list[AlertSeries]:
    """The alerts a card's link names, acknowledging nothing (the confirmation page: a link
    scanner or chat preview that follows the link must not acknowledge)."""
    with db.write() as s:
        ids = links.read_ack(links.config_row(s, now).signing_key, token, now)
        rows = list(s.scalars(select(AlertSeries).where(AlertSeries.id.in_(ids))))
        if not rows:
            raise NotFound("no such alert", {"ids": ids})
        return rows


def acknowledge_token(db: Database, *, token: str, now: datetime) -> list[AlertSeries]:
    """Acknowledge the alerts a card's signed link names (no login: the link is the right)."""
    with db.write() as s:
        ids = links.read_ack(links.config_row(s, now).signing_key, token, now)
        actor = Actor(user_id=None, label="acknowledgement link")
        acknowledge_in(s, actor=actor, now=now, series_ids=ids)
        return list(s.scalars(select(AlertSeries).where(AlertSeries.id.in_(ids))))
