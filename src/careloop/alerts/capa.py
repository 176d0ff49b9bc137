"""State changes of root-cause (CAPA) tasks: open (by hand or from an alert), edit, stage
owners, due dates and notes, completing stages in their order, links to tickets and orders,
verification settings, closing and reopening. Each is one transaction with an audit row; a bad
request is a 4xx that changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from careloop.accounts.tables import User
from careloop.alerts import capa_model as model
from careloop.alerts import capa_verify
from careloop.alerts.capa_schemas import CapaCreate, CapaUpdate, LinkIn, StageUpdate, VerificationIn
from careloop.alerts.capa_tables import CapaLink, CapaMember, CapaStage, CapaTask, CapaVerification
from careloop.errors import Conflict, Invalid, NotFound
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database
from careloop.tickets.commerce_tables import Order
from careloop.tickets.tables import Ticket

ENTITY = "capa_task"
TASK_FIELDS = ("title", "description", "category", "owner_id", "sku", "batch", "carrier", "region")


def _day(value: Any) -> Any:
    """A due date as ISO text for the audit row (JSON has no dates)."""
    return value.isoformat() if isinstance(value, date) else value


def _touched(
    s: Session, task: CapaTask, *, actor: Actor, now: datetime, action: str, changes: Any
) -> None:
    """A change to a task: its updated instant, and the audit row every action writes."""
    task.updated_at = now
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type=ENTITY,
        entity_id=task.id,
        action=action,
        changes=changes,
    )


def task_for_update(s: Session, task_id: int) -> CapaTask:
    """The task, locked for this transaction (PostgreSQL), or 404."""
    task = s.scalars(select(CapaTask).where(CapaTask.id == task_id).with_for_update()).first()
    if task is None:
        raise NotFound(f"no root-cause task {task_id}", {"task_id": task_id})
    return task


def _stages(s: Session, task_id: int) -> dict[str, CapaStage]:
    rows = s.scalars(select(CapaStage).where(CapaStage.task_id == task_id))
    return {row.stage: row for row in rows}


def _done(stages: dict[str, CapaStage]) -> set[str]:
    return {name for name, row in stages.items() if row.done_at is not None}


def _check_users(s: Session, ids: Iterable[int | None], field: str) -> None:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return
    found = set(s.scalars(select(User.id).where(User.id.in_(wanted), User.active.is_(True))))
    missing = sorted(wanted - found)
    if missing:
        raise Invalid(f"no active user {', '.join(map(str, missing))}", {"field": field})


def _check_rows(
    s: Session, table: type[Ticket] | type[Order], ids: Iterable[int], field: str
) -> None:
    wanted = set(ids)
    if not wanted:
        return
    found = set(s.scalars(select(table.id).where(table.id.in_(wanted))))
    missing = sorted(wanted - found)
    if missing:
        raise NotFound(f"no {field[:-3]} {', '.join(map(str, missing))}", {"field": field})


def _verification_row(task_id: int, v: VerificationIn) -> CapaVerification:
    return CapaVerification(
        task_id=task_id,
        metric=v.metric,
        filters={k: list(vals) for k, vals in v.filters.items()},
        weeks=v.weeks,
        baseline_weeks=v.baseline_weeks,
        problem_started_at=v.problem_started_at,
        bound=v.bound,
        last_values=[],
        weeks_under=0,
    )


def default_verification(data: CapaCreate) -> VerificationIn | None:
    """A quality task on a SKU watches its quality complaints per 1,000 orders delivered."""
    if data.verification is not None:
        return data.verification
    if data.category != "quality" or data.sku is None:
        return None
    filters = {"sku": [data.sku], "category": ["quality"]}
    if data.batch is not None:
        filters["batch"] = [data.batch]
    return VerificationIn(filters=filters)


def open_capa_task(db: Database, *, actor: Actor, now: datetime, data: CapaCreate) -> int:
    """A new task at D1 with its eight stages, team, links and verification settings."""
    verification = default_verification(data)
    if verification is not None:
        capa_verify.check_settings(verification)
    with db.write() as s:
        _check_users(s, [data.owner_id], "owner_id")
        _check_users(s, data.member_ids, "member_ids")
        _check_rows(s, Ticket, data.ticket_ids, "ticket_ids")
        _check_rows(s, Order, data.order_ids, "order_ids")
        task = CapaTask(
            title=data.title,
            description=data.description,
            category=data.category,
            stage=model.STAGES[0],
            owner_id=data.owner_id,
            sku=data.sku,
            batch=data.batch,
            carrier=data.carrier,
            region=data.region,
            alert_rule_id=data.alert_rule_id,
            alert_fingerprint=data.alert_fingerprint,
            alert_labels=dict(data.alert_labels),
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        s.add(task)
        s.flush()
        s.add_all(CapaStage(task_id=task.id, stage=st, notes="") for st in model.STAGES)
        s.add_all(CapaMember(task_id=task.id, user_id=u) for u in sorted(set(data.member_ids)))
        links = [("ticket_id", t) for t in dict.fromkeys(data.ticket_ids)]
        links += [("order_id", o) for o in dict.fromkeys(data.order_ids)]
        s.add_all(
            CapaLink(task_id=task.id, created_at=now, created_by_id=actor.user_id, **{k: v})
            for k, v in links
        )
        if verification is not None:
            s.add(_verification_row(task.id, verification))
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type=ENTITY,
            entity_id=task.id,
            action="capa.opened",
            changes={
                **{f: (None, getattr(task, f)) for f in TASK_FIELDS},
                "alert_fingerprint": (None, data.alert_fingerprint),
                "member_ids": (None, sorted(set(data.member_ids))),
                "links": (None, [f"{k[:-3]}:{v}" for k, v in links]),
            },
        )
        return task.id


def update_capa_task(
    db: Database, *, actor: Actor, now: datetime, task_id: int, data: CapaUpdate
) -> None:
    changes = data.changes()
    with db.write() as s:
        task = task_for_update(s, task_id)
        diff: dict[str, tuple[Any, Any]] = {}
        if "owner_id" in changes:
            _check_users(s, [changes["owner_id"]], "owner_id")
        if "member_ids" in changes:
            wanted = sorted(set(changes.pop("member_ids")))
            _check_users(s, wanted, "member_ids")
            before = sorted(
                s.scalars(select(CapaMember.user_id).where(CapaMember.task_id == task_id))
            )
            if before != wanted:
                s.execute(delete(CapaMember).where(CapaMember.task_id == task_id))
                s.add_all(CapaMember(task_id=task_id, user_id=u) for u in wanted)
                diff["member_ids"] = (before, wanted)
        for name, value in changes.items():
            if getattr(task, name) != value:
                diff[name] = (getattr(task, name), value)
                setattr(task, name, value)
        if not diff:
            return
        _touched(s, task, actor=actor, now=now, action="capa.updated", changes=diff)


def update_stage(
    db: Database, *, actor: Actor, now: datetime, task_id: int, stage: str, data: StageUpdate
) -> None:
    """A stage's owner, due date or notes (a done stage's notes may still be added to)."""
    model.check_stage(stage)
    changes = data.changes()
    with db.write() as s:
        task = task_for_update(s, task_id)
        if "owner_id" in changes:
            _check_users(s, [changes["owner_id"]], "owner_id")
        row = _stages(s, task_id)[stage]
        diff = {k: (getattr(row, k), v) for k, v in changes.items() if getattr(row, k) != v}
        if not diff:
            return
        for name, (_, value) in diff.items():
            setattr(row, name, value)
        _touched(
            s,
            task,
            actor=actor,
            now=now,
            action=f"capa.{stage}.updated",
            changes={k: (_day(b), _day(a)) for k, (b, a) in diff.items()},
        )


def complete_stage(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    task_id: int,
    stage: str,
    notes: str | None = None,
) -> None:
    """Mark a stage done once the stages it waits for are; done with D5, verification starts
    watching (its baseline measured now unless a bound was given); done with D8, the task is
    closed. A stage done or waiting is a 409."""
    model.check_stage(stage)
    baseline = capa_verify.baseline_for(db, task_id, now) if stage == "d5" else None
    with db.write() as s:
        task = task_for_update(s, task_id)
        stages = _stages(s, task_id)
        model.check_can_complete(stage, _done(stages))
        row = stages[stage]
        row.done_at = now
        row.done_by_id = actor.user_id
        row.done_by_label = actor.label
        diff: dict[str, tuple[Any, Any]] = {"done_at": (None, now)}
        if notes:
            diff["notes"] = (row.notes, notes)
            row.notes = notes
        if stage == "d5":
            capa_verify.start_in(s, task_id, now, baseline)
        before = task.stage
        task.stage = model.current_stage(_done(stages))
        if stage == model.CLOSURE:
            task.closed_at = now
            diff["closed_at"] = (None, now)
        diff["stage"] = (before, task.stage)
        _touched(s, task, actor=actor, now=now, action=f"capa.{stage}.done", changes=diff)


def close_capa_task(
    db: Database, *, actor: Actor, now: datetime, task_id: int, notes: str | None = None
) -> None:
    """Closing is completing D8: it needs verification (D6) and prevention (D7) done."""
    complete_stage(db, actor=actor, now=now, task_id=task_id, stage=model.CLOSURE, notes=notes)


def reopen_capa_task(
    db: Database, *, actor: Actor, now: datetime, task_id: int, stage: str = "d4"
) -> None:
    """Reopen a closed task at `stage`: it and every later stage are undone (notes kept), and a
    verification that had passed watches again once D5 is done anew."""
    undone = model.undone_by_reopening(stage)
    with db.write() as s:
        task = task_for_update(s, task_id)
        if task.closed_at is None:
            raise Conflict(f"root-cause task {task_id} is not closed", {"field": "stage"})
        for name, row in _stages(s, task_id).items():
            if name in undone:
                row.done_at = row.done_by_id = row.done_by_label = None
        if "d6" in undone:
            capa_verify.reset_in(s, task_id)
        before = (task.stage, task.closed_at)
        task.stage = stage if stage != model.CLOSURE else model.CLOSURE
        task.closed_at = None
        _touched(
            s,
            task,
            actor=actor,
            now=now,
            action="capa.reopened",
            changes={"stage": (before[0], task.stage), "closed_at": (before[1], None)},
        )


def link(db: Database, *, actor: Actor, now: datetime, task_id: int, data: LinkIn) -> int:
    """Link a ticket or an order; linking one twice is a 409."""
    with db.write() as s:
        task = task_for_update(s, task_id)
        if data.ticket_id is not None:
            _check_rows(s, Ticket, [data.ticket_id], "ticket_id")
            clash = CapaLink.ticket_id == data.ticket_id
        else:
            _check_rows(s, Order, [data.order_id or 0], "order_id")
            clash = CapaLink.order_id == data.order_id
        if s.scalar(select(CapaLink.id).where(CapaLink.task_id == task_id, clash)) is not None:
            raise Conflict("already linked to this task", {"field": "link"})
        row = CapaLink(
            task_id=task_id,
            ticket_id=data.ticket_id,
            order_id=data.order_id,
            created_at=now,
            created_by_id=actor.user_id,
        )
        s.add(row)
        s.flush()
        what = f"ticket:{data.ticket_id}" if data.ticket_id else f"order:{data.order_id}"
        _touched(
            s, task, actor=actor, now=now, action="capa.linked", changes={"link": (None, what)}
        )
        return row.id


def unlink(db: Database, *, actor: Actor, now: datetime, task_id: int, link_id: int) -> None:
    with db.write() as s:
        task = task_for_update(s, task_id)
        row = s.get(CapaLink, link_id)
        if row is None or row.task_id != task_id:
            raise NotFound(f"no link {link_id} on task {task_id}", {"link_id": link_id})
        what = f"ticket:{row.ticket_id}" if row.ticket_id else f"order:{row.order_id}"
        s.delete(row)
        _touched(
            s, task, actor=actor, now=now, action="capa.unlinked", changes={"link": (what, None)}
        )


def set_verification(
    db: Database, *, actor: Actor, now: datetime, task_id: int, data: VerificationIn | None
) -> None:
    """Replace what verification watches (None: nothing, verification by hand). Changing it
    while D6 is open starts watching afresh from now."""
    baseline = None
    if data is not None:
        capa_verify.check_settings(data)
        baseline = capa_verify.baseline_for(db, task_id, now, data)
    with db.write() as s:
        task = task_for_update(s, task_id)
        stages = _stages(s, task_id)
        if stages["d6"].done_at is not None:
            raise Conflict("verification is done; reopen the task to change it", {"field": "d6"})
        old = s.get(CapaVerification, task_id)
        before = (
            None
            if old is None
            else {
                "metric": old.metric,
                "filters": old.filters,
                "weeks": old.weeks,
                "bound": old.bound,
            }
        )
        if old is not None:
            s.delete(old)
            s.flush()
        after = None
        if data is not None:
            s.add(_verification_row(task_id, data))
            s.flush()
            after = data.model_dump(mode="json", include={"metric", "filters", "weeks", "bound"})
            if stages["d5"].done_at is not None:
                capa_verify.start_in(s, task_id, now, baseline)
        _touched(
            s,
            task,
            actor=actor,
            now=now,
            action="capa.verification.set",
            changes={"verification": (before, after)},
        )
