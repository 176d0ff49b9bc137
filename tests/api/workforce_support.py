"""Helpers of the workforce API tests: instants, counts, notices, audit rows, shift bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from careloop.storage.audit import AuditEntry
from careloop.workforce.tables import ShiftNotice

H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.isoformat()


def count(db, table) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table))


def notices(db, agent_id: int) -> list[ShiftNotice]:
    with db.read() as s:
        return list(
            s.scalars(
                select(ShiftNotice).where(ShiftNotice.agent_id == agent_id).order_by(ShiftNotice.id)
            )
        )


def audit_of(db, entity_id: int, entity_type: str = "shift") -> list[AuditEntry]:
    """The audit rows of one entity, oldest first."""
    with db.read() as s:
        return list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
                .order_by(AuditEntry.id)
            )
        )


def shift_body(agent_id: int, start: datetime, hours: float = 8, **extra) -> dict:
    return {
        "agent_id": agent_id,
        "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=hours)),
        **extra,
    }


def listed(client, headers, start: datetime, end: datetime, **params) -> list[dict]:
    r = client.get(
        "/api/v1/shifts", params={"from": iso(start), "to": iso(end), **params}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


MONDAY = utc(2026, 11, 9)


def week_of(agent_ids: list[int]) -> list[dict]:
    return [
        shift_body(agent_id, MONDAY + timedelta(days=d) + (7 + 8 * n) * H)
        for n, agent_id in enumerate(agent_ids)
        for d in range(5)
    ]
