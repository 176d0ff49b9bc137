"""The grid and kanban pages through HTTP on both backends: columns, filters and groups from the
URL, saving and sharing with a team, exports read back, moving cards, refusals that change
nothing, and the number of queries each page reads."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.storage.audit import AuditEntry
from careloop.tickets import views
from careloop.tickets.tables import SavedView, Ticket
from careloop.workforce import actions as workforce
from tests.web.conftest import ACTOR, PASSWORD

NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _agent(db, clock, name, team, role=Role.AGENT):
    return workforce.create_agent(
        db,
        actor=ACTOR,
        now=clock.now(),
        name=name,
        email=f"{name.lower()}@example.com",
        profile=workforce.AgentProfile.checked(
            languages=("en",), skills=(), timezone="Africa/Lagos", capacity=9
        ),
        team=team,
        role=role,
        password=PASSWORD,
    )


@pytest.fixture
def teams(db, clock):
    lead = _agent(db, clock, "Ngozi", None, Role.SUPERVISOR)
    lagos = workforce.create_team(db, actor=ACTOR, now=clock.now(), name="Lagos", lead_id=lead.id)
    berlin = workforce.create_team(db, actor=ACTOR, now=clock.now(), name="Berlin")
    return {"lead": lead, "lagos": lagos, "berlin": berlin}


def _saved_count(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(SavedView))


def test_grid_shows_chosen_columns_filters_and_group_counts(
    sign_in, make_user, make_ticket, make_brand
):
    make_brand("silk", "Silk Crown")
    for n in range(5):
        make_ticket(subject=f"Shedding {n}", priority="urgent" if n % 2 else "low", brand="silk")
    make_ticket(subject="Parcel late", country="NG")
    browser = sign_in(make_user(Role.AGENT))
    url = "/views/tickets?columns=id,subject,priority,brand&f=subject:contains:shed&group=priority"
    page = browser.get(url)
    assert page.status_code == 200, page.text
    assert "Shedding 3" in page.text and "Parcel late" not in page.text
    assert "Silk Crown" in page.text
    assert ">5 rows<" in page.text
    # The groups carry their whole counts: two urgent, three low.
    assert re.search(r"Urgent</strong><span class=\"group-count\">2 rows", page.text)
    assert re.search(r"Low</strong><span class=\"group-count\">3 rows", page.text)
    assert "Subject contains shed" in page.text


def test_the_grid_form_lands_on_the_canonical_address(sign_in, make_user):
    browser = sign_in(make_user(Role.AGENT))
    r = browser.get(
        "/views/tickets?c=id&c=status&sort1=created&desc1=1&group1=status&fc=status&fo=in&fv=new,open",
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == (
        "/views/tickets?columns=id%2Cstatus&f=status%3Ain%3Anew%2Copen&sort=-created&group=status"
    )


@pytest.mark.parametrize(
    "query",
    ["columns=id,secret", "f=subject:before:2026-01-01", "group=subject", "f=nope:eq:x"],
)
def test_unknown_columns_and_filters_are_refused(sign_in, make_user, db, query):
    browser = sign_in(make_user(Role.AGENT))
    assert browser.get(f"/views/tickets?{query}").status_code == 422
    r = browser.post("/views", {"entity": "tickets", "name": "Bad", "columns": "id,secret"})
    assert r.status_code == 422
    assert _saved_count(db) == 0


def test_saved_views_are_seen_by_the_team_and_managed_by_its_lead(
    sign_in, client, make_user, db, clock, teams
):
    ada = _agent(db, clock, "Ada", "Lagos")
    bernd = _agent(db, clock, "Bernd", "Berlin")
    browser = sign_in(ada)
    params = {"entity": "tickets", "columns": "id,status", "group": "status", "sort": "-created"}
    r = browser.post("/views", {**params, "name": "Lagos queue", "team_id": teams["lagos"].id})
    assert r.status_code == 303, r.text
    browser.post("/views", {**params, "name": "Mine only"})
    # A team one is not in is refused and nothing is saved.
    r = browser.post("/views", {**params, "name": "Theirs", "team_id": teams["berlin"].id})
    assert r.status_code == 403
    assert _saved_count(db) == 2
    [shared] = [v for v in views.grid_views_for(db, ada.id) if v.name == "Lagos queue"]
    assert shared.config["group_by"] == ["status"]
    browser.post("/logout")
    client.cookies.clear()

    other = sign_in(bernd)
    listing = other.get("/views").text
    assert "Lagos queue" not in listing and "Mine only" not in listing
    assert other.get(f"/views/{shared.id}").status_code == 404
    assert other.post(f"/views/{shared.id}/delete").status_code == 404
    other.post("/logout")
    client.cookies.clear()

    lead = sign_in(teams["lead"])
    listing = lead.get("/views").text
    assert "Lagos queue" in listing and "Mine only" not in listing
    assert f"/views/{shared.id}/delete" in listing
    page = lead.get(f"/views/{shared.id}")
    assert page.status_code == 200 and 'id="update-view"' in page.text
    r = lead.post(f"/views/{shared.id}/update", {"columns": "id,subject", "f": "status:eq:open"})
    assert r.status_code == 303
    assert views.grid_view_for(db, ada.id, shared.id).config["filters"] == [
        {"column": "status", "op": "eq", "values": ["open"]}
    ]
    assert lead.post(f"/views/{shared.id}/delete").status_code == 303
    assert [v.name for v in views.grid_views_for(db, ada.id)] == ["Mine only"]
    with db.read() as s:
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == "saved_view")
            .order_by(AuditEntry.id)
        ).all()
    assert list(actions) == ["created", "created", "updated", "deleted"]


def test_exports_hold_every_row_in_the_viewers_zone_and_currency(
    sign_in, make_user, make_order, clock
):
    for n in range(3):
        make_order(number=f"#20{n}", currency="EUR" if n else "NGN")
        clock.advance(timedelta(hours=1))
    viewer = make_user(Role.AGENT, timezone="Asia/Shanghai")
    browser = sign_in(viewer)
    query = "columns=number,total,placed&sort=number"
    r = browser.get(f"/views/orders/export.csv?{query}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0] == ["Order", "Total", "Placed (Asia/Shanghai)"]
    assert [line[0] for line in lines[1:]] == ["#200", "#201", "#202"]
    assert lines[1][1] == "NGN189.90" and lines[2][1] == "€189.90"
    # Placed three days before the clock's 09:00 UTC, shown at 17:00 in Shanghai.
    assert lines[1][2] == "2026-10-30 17:00"

    r = browser.get(f"/views/orders/export.xlsx?{query}")
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314 - our own file
        styles = book.read("xl/styles.xml").decode()
    cells = [
        ["".join(c.itertext()) for c in row.findall("s:c", NS)]
        for row in sheet.findall(".//s:row", NS)
    ]
    assert cells[0] == ["Order", "Total", "Placed (Asia/Shanghai)"]
    assert [row[0] for row in cells[1:]] == ["#200", "#201", "#202"]
    assert float(cells[1][1]) == 189.90
    assert "&quot;NGN&quot;" in styles and "&quot;EUR&quot;" in styles
    # 2026-10-30 17:00 as an Excel serial day number.
    assert abs(float(cells[1][2]) - 46325.708333) < 1e-5


def test_kanban_moves_a_card_and_refuses_what_the_life_cycle_forbids(
    sign_in, make_user, make_ticket, db
):
    fresh = make_ticket(subject="Tangled wig")
    done = make_ticket(subject="Refund sent")
    browser = sign_in(make_user(Role.AGENT))
    browser.post("/views/kanban/move", {"ticket_id": done.id, "status": "solved"})
    page = browser.get("/views/kanban")
    assert page.status_code == 200
    assert re.search(r'id="column-new".*?Tangled wig', page.text, re.S)
    narrowed = browser.get("/views/kanban?f=subject:contains:tangled").text
    assert "Tangled wig" in narrowed and "Refund sent" not in narrowed
    assert browser.get("/views/kanban?f=subject:after:x").status_code == 422

    r = browser.post("/views/kanban/move", {"ticket_id": fresh.id, "status": "pending"})
    assert r.status_code == 303
    r = browser.post("/views/kanban/move", {"ticket_id": done.id, "status": "pending"})
    assert r.status_code == 409
    assert "a solved ticket cannot become pending" in r.text
    r = browser.post("/views/kanban/move", {"ticket_id": fresh.id, "status": "closed"})
    assert r.status_code == 422
    with db.read() as s:
        assert s.get_one(Ticket, fresh.id).status.value == "pending"
        assert s.get_one(Ticket, done.id).status.value == "solved"
        moves = s.scalars(
            select(AuditEntry.changes).where(
                AuditEntry.entity_type == "ticket", AuditEntry.entity_id == fresh.id
            )
        ).all()
    assert any("status" in (c or {}) for c in moves)


def test_a_viewer_sees_the_kanban_but_cannot_move_cards(sign_in, make_user, make_ticket, db):
    ticket = make_ticket(subject="Lace torn")
    browser = sign_in(make_user(Role.VIEWER))
    page = browser.get("/views/kanban").text
    assert "Lace torn" in page and "/views/kanban/move" not in page
    assert (
        browser.post("/views/kanban/move", {"ticket_id": ticket.id, "status": "open"}).status_code
        == 403
    )
    with db.read() as s:
        assert s.get_one(Ticket, ticket.id).status.value == "new"


def test_grid_and_kanban_read_a_fixed_number_of_queries(
    sign_in, make_user, make_ticket, make_brand, count_queries
):
    make_brand("silk", "Silk Crown")
    browser = sign_in(make_user(Role.AGENT))
    grid_url = (
        "/views/tickets?columns=id,subject,status,brand,customer,assignee,team,tags,created"
        "&group=status,brand&sort=-priority"
    )

    def queries_for(url: str) -> int:
        with count_queries() as seen:
            r = browser.get(url)
        assert r.status_code == 200
        return len(seen)

    for n in range(3):
        make_ticket(subject=f"Few {n}", brand="silk", tags=["a", "b"])
    few = (queries_for(grid_url), queries_for("/views/kanban"))
    for n in range(15):
        make_ticket(subject=f"Many {n}", tags=["c"], priority="high")
    many = (queries_for(grid_url), queries_for("/views/kanban"))
    # grid: user, rows, their tags, groups, total, teams to share with
    # kanban: user, counts per status, cards
    assert few == many == (6, 3)
