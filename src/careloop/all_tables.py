"""Imports every domain's tables so Base.metadata is complete (migrations and tests use it)."""

from careloop.accounts import tables as accounts_tables
from careloop.alerts import capa_tables as alerts_capa_tables
from careloop.alerts import delivery_tables as alerts_delivery_tables
from careloop.alerts import tables as alerts_tables
from careloop.demo import inbox_tables as demo_inbox_tables
from careloop.insights import tables as insights_tables
from careloop.jobs import tables as jobs_tables
from careloop.routing import tables as routing_tables
from careloop.sla import tables as sla_tables
from careloop.storage import audit, requests
from careloop.tickets import commerce_tables
from careloop.tickets import tables as tickets_tables
from careloop.workforce import tables as workforce_tables

__all__ = [
    "accounts_tables",
    "alerts_capa_tables",
    "alerts_delivery_tables",
    "alerts_tables",
    "audit",
    "commerce_tables",
    "demo_inbox_tables",
    "insights_tables",
    "jobs_tables",
    "requests",
    "routing_tables",
    "sla_tables",
    "tickets_tables",
    "workforce_tables",
]
