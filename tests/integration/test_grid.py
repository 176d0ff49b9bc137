"""The grid's query builder on both backends: filters, sorts with keyset cursors, group counts
and the orders' derived columns, each held to a straight computation over the same rows."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from careloop.errors import Invalid
from careloop.tickets import actions, grid
from careloop.tickets.grid_spec import build_spec, spec_from_config, spec_from_params
from careloop.tickets.model import Priority, Status
from careloop.tickets.schemas import TicketCreate, TicketUpdate
from careloop.workforce import actions as workforce
from tests.factories import ACTOR, make_agent, make_brand, make_order, ticket_payload

STATUSES = [Status.NEW, Status.OPEN, Status.PENDING, Status.SOLVED, Status.ON_HOLD]
PRIORITIES = list(Priority)
RANK = {p: i for i, p in enumerate(Priority)}


@pytest.fixture
def tickets(db, clock):
    """Twenty-three tickets over two brands, two teams, some unassigned, with tags and
    subjects to search; returns plain facts about each for the straight computations."""
    make_brand(db, clock, "silk")
    make_brand(db, clock, "luxe")
    workforce.create_team(db, actor=ACTOR, now=clock.now(), name="Lagos")
    workforce.create_team(db, actor=ACTOR, now=clock.now(), name="Berlin")
    agents = [
        make_agent(db, clock, name="Ada", team="Lagos"),
        make_agent(db, clock, name="Bernd", team="Berlin"),
        make_agent(db, clock, name="Chioma", team="Lagos"),
    ]
    facts = []
    for n in range(23):
        assignee = agents[n % 4] if n % 4 < 3 else None
        payload = ticket_payload(
            subject=f"{'Wig shedding' if n % 3 == 0 else 'Parcel late'} no. {n}",
            priority=PRIORITIES[n % 4].value,
            brand=("silk", "luxe", None)[n % 3],
            tags=[["lace"], [], ["lace", "refund"]][n % 3],
            country=["NG", "DE", "US"][n % 3],
        )
        if payload["brand"] is None:
            payload.pop("brand")
        if assignee is not None:
            payload["assignee_id"] = assignee.id
        ticket, _ = actions.create_ticket(
            db, actor=ACTOR, now=clock.now(), data=TicketCreate.model_validate(payload)
        )
        status = STATUSES[n % 5]
        if status is Status.NEW:
            status = ticket.status  # an assigned ticket opens at once
        else:
            actions.update_ticket(
                db,
                actor=ACTOR,
                now=clock.now(),
                ticket_id=ticket.id,
                data=TicketUpdate(status=status),
            )
        facts.append(
            {
                "id": ticket.id,
                "subject": payload["subject"],
                "priority": PRIORITIES[n % 4],
                "status": status,
                "brand": {"silk": "Silk", "luxe": "Luxe"}.get(payload.get("brand", "")),
                "team": None if assignee is None else ("Lagos", "Berlin", "Lagos")[n % 4],
                "assignee": None if assignee is None else assignee.name,
                "tags": payload["tags"],
                "created": clock.now(),
            }
        )
        clock.advance(timedelta(minutes=(n * 7) % 11 + 1))
    return facts


def _all(db, spec, limit=5):
    """Every row through the cursors, a page of `limit` at a time."""
    out, cursor = [], None
    while True:
        rows, cursor = grid.grid_rows(db, spec, limit=limit, cursor=cursor)
        out += rows
        if cursor is None:
            return out


def test_filters_match_a_straight_computation(db, tickets):
    start = tickets[10]["created"]
    spec = spec_from_params(
        "tickets",
        [
            ("columns", "id,subject,status,brand,team,tags"),
            ("f", "status:in:new,open,pending"),
            ("f", "subject:contains:shedding"),
            ("f", f"created:after:{start.isoformat()}"),
        ],
    )
    expected = [
        t["id"]
        for t in tickets
        if t["status"] in (Status.NEW, Status.OPEN, Status.PENDING)
        and "shedding" in t["subject"]
        and t["created"] >= start
    ]
    rows = _all(db, spec)
    assert [r.id for r in rows] == sorted(expected, reverse=True)
    assert grid.grid_total(db, spec) == len(expected) > 0
    by_id = {t["id"]: t for t in tickets}
    for row in rows:
        assert row.values["brand"] == by_id[row.id]["brand"]
        assert row.values["team"] == by_id[row.id]["team"]
        assert row.values["tags"] == sorted(by_id[row.id]["tags"])

    unassigned = spec_from_params("tickets", [("f", "assignee:empty"), ("f", "tags:eq:refund")])
    assert {r.id for r in _all(db, unassigned)} == {
        t["id"] for t in tickets if t["assignee"] is None and "refund" in t["tags"]
    }
    no_tags = spec_from_params("tickets", [("f", "tags:empty"), ("f", "brand:eq:Silk")])
    assert {r.id for r in _all(db, no_tags)} == {
        t["id"] for t in tickets if not t["tags"] and t["brand"] == "Silk"
    }


def test_sorts_page_through_every_row_once_in_order(db, tickets):
    spec = spec_from_params(
        "tickets", [("columns", "id,team,priority"), ("sort", "-priority,team")]
    )
    rows = _all(db, spec, limit=4)

    def key(t):
        # priority descending, team ascending with empty teams last, then newest first
        return (-RANK[t["priority"]], t["team"] is None, t["team"] or "", -t["id"])

    assert [r.id for r in rows] == [t["id"] for t in sorted(tickets, key=key)]


def test_group_counts_match_a_straight_computation(db, tickets):
    spec = spec_from_params("tickets", [("group", "team,status"), ("f", "country:in:NG,US")])
    groups, more = grid.grid_groups(db, spec)
    expected = Counter(
        (t["team"], t["status"].value)
        for t, n in zip(tickets, range(len(tickets)), strict=True)
        if ["NG", "DE", "US"][n % 3] in ("NG", "US")
    )
    assert not more
    assert {g.values: g.count for g in groups} == dict(expected)
    # Groups come in the rows' order: empty team last, statuses by their life cycle.
    teams = [g.values[0] for g in groups]
    assert teams == sorted(teams, key=lambda t: (t is None, t or ""))
    rows = _all(db, spec, limit=7)
    assert [r.groups for r in rows] == sorted(
        (r.groups for r in rows),
        key=lambda g: (g[0] is None, g[0] or "", list(Status).index(Status(g[1]))),
    )
    assert sum(g.count for g in groups) == len(rows)


def test_orders_show_their_latest_shipment_items_and_money(db, clock):
    first = make_order(db, clock, "o-1", number="#1", total_amount="189.00")
    second = make_order(
        db,
        clock,
        "o-2",
        number="#2",
        total_amount="42.50",
        currency="EUR",
        shipments=[
            {"carrier": "UPS", "tracking_number": "A1", "status": "exception"},
            {"carrier": "DHL", "tracking_number": "A2", "status": "delivered"},
        ],
    )
    make_order(db, clock, "o-3", number="#3", total_amount="10.00", shipments=[])
    spec = spec_from_params(
        "orders",
        [("columns", "number,carrier,shipment_status,items,total"), ("sort", "-total")],
    )
    rows = _all(db, spec)
    assert [r.values["number"] for r in rows] == ["#1", "#2", "#3"]
    assert rows[0].id == first.id and rows[1].id == second.id
    assert rows[1].values["carrier"] == "DHL"
    assert rows[1].values["shipment_status"] == "delivered"
    assert rows[2].values["carrier"] is None
    assert rows[0].values["items"] == 3
    assert rows[1].values["total"] == (Decimal("42.50"), "EUR")
    groups, _ = grid.grid_groups(db, spec_from_params("orders", [("group", "carrier")]))
    assert [(g.values, g.count) for g in groups] == [(("DHL",), 1), (("UPS",), 1), ((None,), 1)]


@pytest.mark.parametrize(
    "params",
    [
        [("columns", "id,password")],
        [("f", "nope:eq:1")],
        [("f", "status:contains:new")],
        [("f", "status:eq:lost")],
        [("f", "created:before:yesterday")],
        [("sort", "tags")],
        [("group", "subject")],
        [("group", "status,priority,brand")],
        [("f", "status")],
    ],
)
def test_anything_outside_the_catalogue_is_refused(params):
    with pytest.raises(Invalid):
        spec_from_params("tickets", params)


def test_a_cursor_of_another_order_is_refused(db, tickets):
    spec = spec_from_params("tickets", [("sort", "created")])
    _, cursor = grid.grid_rows(db, spec, limit=2)
    other = spec_from_params("tickets", [("sort", "-created")])
    with pytest.raises(Invalid):
        grid.grid_rows(db, other, limit=2, cursor=cursor)
    with pytest.raises(Invalid):
        grid.grid_rows(db, spec, limit=2, cursor="garbage!")


def test_a_day_is_read_in_the_viewers_zone_and_config_round_trips():
    spec = build_spec(
        "tickets",
        columns=["id"],
        filters=[("created", "after", ["2026-11-02"])],
        zone=ZoneInfo("Europe/Berlin"),
    )
    assert spec.filters[0].values == ("2026-11-01T23:00:00+00:00",)
    assert spec_from_config("tickets", spec.config()) == spec
