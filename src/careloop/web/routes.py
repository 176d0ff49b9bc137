"""HTML routes: every page module's router, gathered for create_app()."""

from __future__ import annotations

from fastapi import APIRouter

from careloop.web import (
    alerts,
    alerts_ack,
    alerts_demo,
    alerts_rules,
    attendance,
    auth,
    board,
    capa,
    commerce,
    inbox,
    insights,
    planning,
    roster,
    roster_edit,
    roster_leave,
    settings,
    sla,
    tickets,
    views,
)

router = APIRouter(include_in_schema=False)
for module in (
    auth,
    inbox,
    tickets,
    commerce,
    settings,
    sla,
    roster,
    roster_edit,
    roster_leave,
    attendance,
    board,
    views,
    insights,
    capa,
    alerts_ack,
    alerts_demo,
    alerts_rules,  # before alerts: /alerts/rules is not an alert's id
    alerts,
    planning,
):
    router.include_router(module.router)
