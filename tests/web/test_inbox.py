"""The inbox: tabs, filters in the query string, cursor pages, saved views, a pinned query count."""

from __future__ import annotations

import re

from sqlalchemy import select

from careloop.accounts.model import Role
from careloop.storage.audit import AuditEntry
from careloop.tickets import queries


def _ids(html: str) -> list[int]:
    """Ticket ids listed in the inbox table, in order."""
    table = html.split('<table class="list tickets">', 1)[-1].split("</table>", 1)[0]
    return [int(i) for i in re.findall(r'<td data-label="#"><a href="/tickets/(\d+)">', table)]


def test_tabs_mine_unassigned_and_all(sign_in, make_user, make_ticket):
    me = make_user(Role.AGENT)
    other = make_user(Role.AGENT)
    browser = sign_in(me)
    mine = make_ticket(subject="Mine", assignee_id=me.id)
    theirs = make_ticket(subject="Theirs", assignee_id=other.id)
    nobody = make_ticket(subject="Nobody's")
    assert _ids(browser.get("/tickets").text) == [mine.id]  # an agent starts on "mine"
    assert _ids(browser.get("/tickets?tab=unassigned").text) == [nobody.id]
    assert _ids(browser.get("/tickets?tab=all").text) == [nobody.id, theirs.id, mine.id]


def test_filters_narrow_the_list(sign_in, make_user, make_ticket, make_brand):
    browser = sign_in(make_user(Role.AGENT))
    make_brand("luxe", "Luxe Hair")
    a = make_ticket(
        subject="Lace lifting", brand="luxe", category="quality", country="NG", language="en"
    )
    b = make_ticket(subject="Parcel stuck in customs", category="logistics", country="FR")
    c = make_ticket(subject="Colour off", language="fr", tags=["colour"])
    d = make_ticket(subject="Lace too small", category="size_color")
    browser.post(f"/tickets/{b.id}/update", {"status": "pending"})

    def listed(query: str) -> list[int]:
        return _ids(browser.get("/tickets?tab=all&" + query).text)

    assert listed("brand=luxe") == [a.id]
    assert listed("category=logistics") == [b.id]
    assert listed("country=ng") == [a.id]  # codes are normalised
    assert listed("language=fr") == [c.id]
    assert listed("tag=Colour") == [c.id]
    assert listed("q=lace") == [d.id, a.id]
    assert listed("status=pending") == [b.id]
    assert listed("status=active") == [d.id, c.id, b.id, a.id]
    assert listed("q=lace&category=quality") == [a.id]
    page = browser.get("/tickets?tab=all&country=Atlantis&category=quality")
    assert page.status_code == 200
    assert "The Country filter was left out" in page.text
    assert _ids(page.text) == [a.id]  # the valid filter still applies


def test_pages_follow_the_cursor(sign_in, make_user, make_ticket):
    browser = sign_in(make_user(Role.AGENT))
    made = [make_ticket(subject=f"Ticket {n}").id for n in range(55)]
    first = browser.get("/tickets?tab=all").text
    assert _ids(first) == made[::-1][:50]
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    second = browser.get(next_url).text
    assert _ids(second) == made[::-1][50:]
    assert 'rel="next"' not in second
    bad = browser.get("/tickets?tab=all&cursor=nonsense")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")


def test_saved_view_is_kept_listed_applied_and_deleted(sign_in, make_user, make_ticket, db):
    owner = make_user(Role.AGENT)
    browser = sign_in(owner)
    quality = make_ticket(subject="Lace lifting", category="quality")
    make_ticket(subject="Parcel late", category="logistics")
    r = browser.post(
        "/tickets/views",
        {"name": "Quality, all", "tab": "all", "category": "quality", "q": "", "status": ""},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/tickets?tab=all&category=quality"
    [view] = queries.saved_views_for(db, owner.id)
    assert (view.name, view.filters, view.shared) == (
        "Quality, all",
        {"tab": "all", "category": "quality"},
        False,
    )
    page = browser.get("/tickets").text
    assert "View Quality, all saved." in page
    link = re.search(r'<a href="([^"]+)">Quality, all</a>', page).group(1).replace("&amp;", "&")
    assert _ids(browser.get(link).text) == [quality.id]
    # The same name twice is a conflict, shown in the form.
    again = browser.post("/tickets/views", {"name": "Quality, all", "tab": "all"})
    assert again.status_code == 409 and "This change is not possible now." in again.text
    assert browser.post(f"/tickets/views/{view.id}/delete").status_code == 303
    assert queries.saved_views_for(db, owner.id) == []
    with db.read() as s:
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "saved_view")
        ).all()
    assert list(actions) == ["created", "deleted"]


def test_shared_views_are_seen_by_all_but_deleted_only_by_their_owner(
    client, sign_in, make_user, db
):
    owner, colleague = make_user(Role.SUPERVISOR), make_user(Role.AGENT)
    browser = sign_in(owner)
    shared_view = {"name": "Urgent NG", "tab": "all", "country": "NG", "shared": "1"}
    browser.post("/tickets/views", shared_view)
    browser.post("/tickets/views", {"name": "My private", "tab": "mine"})
    browser.post("/logout")
    client.cookies.clear()
    other = sign_in(colleague)
    page = other.get("/tickets").text
    assert "Urgent NG" in page and "My private" not in page
    [shared] = queries.saved_views_for(db, colleague.id)
    assert f"/tickets/views/{shared.id}/delete" not in page
    r = other.post(f"/tickets/views/{shared.id}/delete")
    assert r.status_code == 403
    assert [v.name for v in queries.saved_views_for(db, colleague.id)] == ["Urgent NG"]


def test_inbox_query_count_does_not_grow_with_tickets(
    sign_in, make_user, make_ticket, make_order, count_queries
):
    agent = make_user(Role.AGENT)
    browser = sign_in(agent)
    browser.post("/tickets/views", {"name": "All", "tab": "all"})

    def queries_for_page() -> int:
        with count_queries() as seen:
            r = browser.get("/tickets?tab=all")
        assert r.status_code == 200
        return len(seen)

    for _ in range(3):
        order = make_order()
        make_ticket(order_id=order.id, assignee_id=agent.id, tags=["a", "b"])
    few = queries_for_page()
    for _ in range(12):
        order = make_order()
        make_ticket(order_id=order.id, assignee_id=agent.id, tags=["a", "b"])
    many = queries_for_page()
    # user, tickets, their tags, customer names, users, brands, saved views
    assert few == many == 7
