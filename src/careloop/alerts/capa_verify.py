"""Automatic verification of root-cause tasks: once corrective action (D5) is done, the watched
insights series (e.g. quality complaints per 1,000 orders delivered for the task's SKU and
batch) must stay at or under its bound (the baseline measured before the problem, or a bound
given) for N whole weeks in a row; then D6 is marked done by the system, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.alerts import capa_model as model
from careloop.alerts.capa_schemas import VerificationIn
from careloop.alerts.capa_tables import CapaStage, CapaTask, CapaVerification
from careloop.errors import DomainError, Invalid
from careloop.insights.model import Kind
from careloop.insights.queries import parse_query, run_query
from careloop.storage import audit
from careloop.storage.audit import SYSTEM
from careloop.storage.engine import Database

ENTITY = "capa_task"
CHECK_RANGE = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 1, 8, tzinfo=UTC))


def check_settings(v: VerificationIn) -> None:
    """The metric exists, is a rate or a sum over time (not a live state), and takes the
    filters; anything else is a 422 naming the field."""
    try:
        q = parse_query(v.metric, start=CHECK_RANGE[0], end=CHECK_RANGE[1], filters=v.filters)
    except DomainError as exc:
        raise Invalid(exc.message, {"field": "verification"}) from None
    if q.metric.kind in (Kind.LIVE, Kind.PERCENTILE):
        raise Invalid(
            f"{v.metric} cannot be watched week by week: choose a rate or a count",
            {"field": "verification"},
        )


def measure(
    db: Database, metric: str, filters: dict[str, list[str]], start: datetime, end: datetime
) -> float | None:
    """The metric's value over [start, end) (whole hours), through insights' public query."""
    q = parse_query(metric, start=start, end=end, filters=filters)
    value = run_query(db, q, now=end)["total"]
    return None if value is None else float(value)


def measure_baseline(
    db: Database, metric: str, filters: dict[str, list[str]], onset: datetime, weeks: int
) -> float | None:
    """The rate before the problem: the `weeks` weeks before its onset. A new batch has no
    deliveries before the problem, so then the SKU's rate across its batches stands in."""
    end = model.whole_hour_after(onset)
    start = end - model.WEEK * weeks
    value = measure(db, metric, filters, start, end)
    if value is None and "batch" in filters:
        rest = {k: v for k, v in filters.items() if k != "batch"}
        value = measure(db, metric, rest, start, end)
    return value


def baseline_for(
    db: Database, task_id: int, now: datetime, settings: VerificationIn | None = None
) -> float | None:
    """The baseline verification will compare with, measured before a write begins (None when
    a bound is given, nothing is watched, or there were no deliveries to measure)."""
    with db.read() as s:
        task = s.get(CapaTask, task_id)
        row = s.get(CapaVerification, task_id)
        if task is None:
            return None
        if settings is not None:
            metric, filters, bound = settings.metric, settings.filters, settings.bound
            onset, weeks = settings.problem_started_at, settings.baseline_weeks
        elif row is not None:
            metric, filters, bound = row.metric, row.filters, row.bound
            onset, weeks = row.problem_started_at, row.baseline_weeks
        else:
            return None
        created = task.created_at
    if bound is not None:
        return None
    return measure_baseline(db, metric, dict(filters), onset or created, weeks)


def start_in(s: Session, task_id: int, now: datetime, baseline: float | None) -> None:
    """Start watching (D5 just done, or the settings changed after it): from now on."""
    row = s.get(CapaVerification, task_id)
    if row is None:
        return
    row.started_at = now
    row.baseline = baseline
    row.checked_at = None
    row.last_values = []
    row.weeks_under = 0
    row.passed_at = None


def reset_in(s: Session, task_id: int) -> None:
    row = s.get(CapaVerification, task_id)
    if row is not None:
        row.started_at = row.checked_at = row.passed_at = None
        row.baseline = None
        row.last_values = []
        row.weeks_under = 0


def bound_of(row: CapaVerification) -> float | None:
    return row.bound if row.bound is not None else row.baseline


def _watching(db: Database) -> list[tuple[int, str, dict[str, list[str]], datetime, int]]:
    """Tasks whose verification is open and watching: D6 not done, started, with a bound."""
    with db.read() as s:
        rows = s.execute(
            select(
                CapaVerification.task_id,
                CapaVerification.metric,
                CapaVerification.filters,
                CapaVerification.started_at,
                CapaVerification.weeks,
            )
            .join(
                CapaStage,
                (CapaStage.task_id == CapaVerification.task_id)
                & (CapaStage.stage == model.VERIFICATION),
            )
            .where(
                CapaStage.done_at.is_(None),
                CapaVerification.started_at.is_not(None),
                (CapaVerification.bound.is_not(None)) | (CapaVerification.baseline.is_not(None)),
            )
            .order_by(CapaVerification.task_id)
        ).all()
    return [(r[0], r[1], dict(r[2]), r[3], r[4]) for r in rows]


def verify_capa_tasks(db: Database, now: datetime) -> int:
    """The job: check every watching task's last N whole weeks; mark verification done where
    each was at or under the bound. Returns how many tasks were verified."""
    verified = 0
    for task_id, metric, filters, started_at, weeks in _watching(db):
        starts = model.verification_weeks(started_at, now, weeks)
        values = [
            model.WeekValue(w, measure(db, metric, filters, w, w + model.WEEK)) for w in starts
        ]
        if _record(db, task_id, now, started_at, values):
            verified += 1
    return verified


def _record(
    db: Database, task_id: int, now: datetime, started_at: datetime, values: list[model.WeekValue]
) -> bool:
    with db.write() as s:
        task = s.scalars(select(CapaTask).where(CapaTask.id == task_id).with_for_update()).first()
        row = s.get(CapaVerification, task_id)
        stage = s.get(CapaStage, (task_id, model.VERIFICATION))
        # Another process may have changed it since the read: only the same watch counts.
        if task is None or row is None or stage is None or stage.done_at is not None:
            return False
        if row.started_at != started_at:
            return False
        bound = bound_of(row)
        if bound is None:
            return False
        row.checked_at = now
        row.last_values = [{"start": w.start.isoformat(), "value": w.value} for w in values]
        row.weeks_under = model.weeks_under(values, bound)
        if not model.verified(values, bound, row.weeks):
            return False
        row.passed_at = now
        stage.done_at = now
        stage.done_by_id = None
        stage.done_by_label = SYSTEM.label
        done = set(
            s.scalars(
                select(CapaStage.stage).where(
                    CapaStage.task_id == task_id, CapaStage.done_at.is_not(None)
                )
            )
        )
        before = task.stage
        task.stage = model.current_stage(done | {model.VERIFICATION})
        task.updated_at = now
        changes: dict[str, tuple[Any, Any]] = {
            "done_at": (None, now),
            "stage": (before, task.stage),
            "bound": (None, bound),
            "weeks": (None, [w.value for w in values]),
        }
        audit.record(
            s,
            at=now,
            actor=SYSTEM,
            entity_type=ENTITY,
            entity_id=task_id,
            action="capa.d6.verified",
            changes=changes,
        )
        return True


def next_check_after(started_at: datetime, weeks: int) -> datetime:
    """When enough whole weeks will have passed for a first verdict."""
    return model.whole_hour_after(started_at) + model.WEEK * weeks + timedelta(0)
