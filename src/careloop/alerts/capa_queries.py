"""The read side of root-cause tasks: the board by 8D stage (two queries), a page of cards for
the API, and one task whole (its stages, team, links and verification)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from careloop.accounts.tables import User
from careloop.alerts import capa_model as model
from careloop.alerts.capa_tables import CapaLink, CapaMember, CapaStage, CapaTask, CapaVerification
from careloop.errors import NotFound
from careloop.storage.engine import Database
from careloop.storage.paging import newest_first
from careloop.tickets.commerce_tables import Order
from careloop.tickets.tables import Ticket

CARDS_PER_COLUMN = 50


@dataclass(frozen=True)
class BoardFilter:
    category: str | None = None
    owner_id: int | None = None
    include_closed: bool = False


@dataclass(frozen=True)
class Card:
    id: int
    title: str
    category: str
    stage: str
    owner_id: int | None
    owner_name: str | None
    sku: str | None
    batch: str | None
    due_on: date | None
    overdue: bool
    closed_at: datetime | None
    updated_at: datetime


@dataclass
class Column:
    stage: str
    count: int = 0
    cards: list[Card] = field(default_factory=list)


def _card_select() -> Select[*tuple[Any, ...]]:
    owner = aliased(User)
    current = aliased(CapaStage)
    return (
        select(
            CapaTask.id,
            CapaTask.title,
            CapaTask.category,
            CapaTask.stage,
            CapaTask.owner_id,
            owner.name,
            CapaTask.sku,
            CapaTask.batch,
            current.due_on,
            CapaTask.closed_at,
            CapaTask.updated_at,
        )
        .outerjoin(owner, owner.id == CapaTask.owner_id)
        .outerjoin(current, and_(current.task_id == CapaTask.id, current.stage == CapaTask.stage))
    )


def _card(row: Any, today: date) -> Card:
    due: date | None = row[8]
    return Card(
        id=row[0],
        title=row[1],
        category=row[2],
        stage=row[3],
        owner_id=row[4],
        owner_name=row[5],
        sku=row[6],
        batch=row[7],
        due_on=due,
        overdue=row[9] is None and due is not None and due < today,
        closed_at=row[9],
        updated_at=row[10],
    )


def _filtered(stmt: Select[*tuple[Any, ...]], f: BoardFilter) -> Select[*tuple[Any, ...]]:
    if f.category is not None:
        stmt = stmt.where(CapaTask.category == f.category)
    if f.owner_id is not None:
        stmt = stmt.where(CapaTask.owner_id == f.owner_id)
    if not f.include_closed:
        stmt = stmt.where(CapaTask.closed_at.is_(None))
    return stmt


def board(db: Database, f: BoardFilter, *, today: date) -> list[Column]:
    """A column per 8D stage: its count and its first cards, most recently changed first. Two
    queries whatever the number of tasks (the cards ranked per stage by a window)."""
    columns = {stage: Column(stage) for stage in model.STAGES}
    rank = (
        func.row_number()
        .over(
            partition_by=CapaTask.stage, order_by=(CapaTask.updated_at.desc(), CapaTask.id.desc())
        )
        .label("rank")
    )
    ranked = _filtered(_card_select().add_columns(rank), f).subquery()
    with db.read() as s:
        counted = _filtered(select(CapaTask.stage, func.count()), f).group_by(CapaTask.stage)
        for row in s.execute(counted):
            if row[0] in columns:
                columns[row[0]].count = row[1]
        rows = s.execute(
            select(ranked).where(ranked.c.rank <= CARDS_PER_COLUMN).order_by(ranked.c.rank)
        ).all()
    for row in rows:
        if row[3] in columns:
            columns[row[3]].cards.append(_card(row, today))
    return list(columns.values())


def list_tasks(
    db: Database, f: BoardFilter, *, today: date, limit: int, cursor: str | None
) -> tuple[list[Card], str | None]:
    """Cards newest first, paged by cursor."""
    ids, next_cursor = newest_first(
        db, _filtered(select(CapaTask), f), CapaTask.id, limit=limit, cursor=cursor
    )
    wanted = [t.id for t in ids]
    if not wanted:
        return [], next_cursor
    with db.read() as s:
        rows = s.execute(
            _card_select().where(CapaTask.id.in_(wanted)).order_by(CapaTask.id.desc())
        ).all()
    return [_card(r, today) for r in rows], next_cursor


@dataclass(frozen=True)
class LinkView:
    id: int
    ticket_id: int | None
    order_id: int | None
    label: str
    created_at: datetime


@dataclass(frozen=True)
class TaskView:
    task: CapaTask
    stages: list[CapaStage]
    member_ids: list[int]
    links: list[LinkView]
    verification: CapaVerification | None
    users: dict[int, str]

    def overdue(self, stage: CapaStage, today: date) -> bool:
        return stage.done_at is None and stage.due_on is not None and stage.due_on < today


def get_task(db: Database, task_id: int) -> TaskView:
    """One task whole, in five queries: the task, its stages, team, links (with the ticket's
    subject or the order's number) and the names of the people involved."""
    with db.read() as s:
        task = s.get(CapaTask, task_id)
        if task is None:
            raise NotFound(f"no root-cause task {task_id}", {"task_id": task_id})
        verification = s.get(CapaVerification, task_id)
        by_stage = {
            row.stage: row
            for row in s.scalars(select(CapaStage).where(CapaStage.task_id == task_id))
        }
        members = list(
            s.scalars(
                select(CapaMember.user_id)
                .where(CapaMember.task_id == task_id)
                .order_by(CapaMember.user_id)
            )
        )
        link_rows = s.execute(
            select(
                CapaLink.id,
                CapaLink.ticket_id,
                CapaLink.order_id,
                Ticket.subject,
                Order.number,
                CapaLink.created_at,
            )
            .outerjoin(Ticket, Ticket.id == CapaLink.ticket_id)
            .outerjoin(Order, Order.id == CapaLink.order_id)
            .where(CapaLink.task_id == task_id)
            .order_by(CapaLink.id)
        ).all()
        people = {task.owner_id, task.created_by_id, *members}
        people |= {r.owner_id for r in by_stage.values()} | {
            r.done_by_id for r in by_stage.values()
        }
        wanted = {p for p in people if p is not None}
        users = (
            {r[0]: r[1] for r in s.execute(select(User.id, User.name).where(User.id.in_(wanted)))}
            if wanted
            else {}
        )
    links = [
        LinkView(
            id=r[0],
            ticket_id=r[1],
            order_id=r[2],
            label=r[3] if r[1] else r[4] or "",
            created_at=r[5],
        )
        for r in link_rows
    ]
    stages = [by_stage[st] for st in model.STAGES if st in by_stage]
    return TaskView(task, stages, members, links, verification, users)


def active_users(db: Database) -> list[tuple[int, str]]:
    """People a task or stage can be given to (the pages' owner pickers)."""
    with db.read() as s:
        rows = s.execute(
            select(User.id, User.name).where(User.active.is_(True)).order_by(User.name)
        )
        return [(r[0], r[1]) for r in rows]


def tasks_for_tickets(db: Database, ticket_ids: list[int]) -> dict[int, list[int]]:
    """The tasks each ticket is linked to."""
    out: dict[int, list[int]] = {}
    if not ticket_ids:
        return out
    with db.read() as s:
        for row in s.execute(
            select(CapaLink.ticket_id, CapaLink.task_id)
            .where(CapaLink.ticket_id.in_(ticket_ids))
            .order_by(CapaLink.task_id)
        ):
            out.setdefault(row[0] or 0, []).append(row[1])
    return out
