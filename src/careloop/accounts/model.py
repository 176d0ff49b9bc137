"""Roles and permissions: the one table that decides who may do what."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from careloop.storage.audit import Actor


class Role(enum.StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    VIEWER = "viewer"
    INTEGRATOR = "integrator"


class Permission(enum.StrEnum):
    TICKETS_READ = "tickets:read"
    TICKETS_CREATE = "tickets:create"
    TICKETS_WORK = "tickets:work"  # update, reply, note, tag
    COMMERCE_READ = "commerce:read"
    COMMERCE_WRITE = "commerce:write"
    BRANDS_MANAGE = "brands:manage"
    USERS_MANAGE = "users:manage"
    TOKENS_MANAGE = "tokens:manage"
    SHOPS_MANAGE = "shops:manage"
    WORKFORCE_READ = "workforce:read"  # rosters, who is on duty, attendance
    WORKFORCE_MANAGE = "workforce:manage"  # agents, teams, shifts, leave, anyone's attendance
    ATTENDANCE_OWN = "attendance:own"  # clock oneself in and out, take breaks
    ROUTING_BOARD = "routing:board"  # the live board: queue, load, SLA at risk; reassign
    ROUTING_MANAGE = "routing:manage"  # routing policies (strategy, fallback, hand-off)
    SLA_MANAGE = "sla:manage"  # business calendars and SLA policies
    INSIGHTS_READ = "insights:read"  # dashboards and metrics (all brands, all teams)
    ALERTS_READ = "alerts:read"  # alert receivers, notifications and their delivery log
    ALERTS_MANAGE = "alerts:manage"  # alert receivers (chat hooks, e-mail, webhooks)
    CAPA_READ = "capa:read"  # root-cause tasks, trace back and forward
    CAPA_MANAGE = "capa:manage"  # open, edit, move and close root-cause tasks


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(
        {
            P.TICKETS_READ,
            P.TICKETS_CREATE,
            P.TICKETS_WORK,
            P.COMMERCE_READ,
            P.COMMERCE_WRITE,
            P.WORKFORCE_READ,
            P.WORKFORCE_MANAGE,
            P.ATTENDANCE_OWN,
            P.ROUTING_BOARD,
            P.INSIGHTS_READ,
            P.ALERTS_READ,
            P.CAPA_READ,
            P.CAPA_MANAGE,
        }
    ),
    Role.AGENT: frozenset(
        {
            P.TICKETS_READ,
            P.TICKETS_CREATE,
            P.TICKETS_WORK,
            P.COMMERCE_READ,
            P.WORKFORCE_READ,
            P.ATTENDANCE_OWN,
            P.CAPA_READ,
        }
    ),
    Role.VIEWER: frozenset(
        {
            P.TICKETS_READ,
            P.COMMERCE_READ,
            P.WORKFORCE_READ,
            P.INSIGHTS_READ,
            P.ALERTS_READ,
            P.CAPA_READ,
        }
    ),
    # Systems that feed careloop: they create and upsert, and read back what they created;
    # a routing or planning system reads who is on duty; a BI tool or table reads metrics.
    Role.INTEGRATOR: frozenset(
        {
            P.TICKETS_READ,
            P.TICKETS_CREATE,
            P.COMMERCE_READ,
            P.COMMERCE_WRITE,
            P.WORKFORCE_READ,
            P.INSIGHTS_READ,
        }
    ),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user through the web, or an API token acting with its role."""

    user_id: int | None
    name: str
    role: Role
    token_id: int | None = None
    timezone: str = "UTC"
    locale: str = "en"

    @property
    def actor(self) -> Actor:
        label = f"token:{self.name}" if self.token_id is not None else self.name
        return Actor(user_id=self.user_id, label=label)

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)
