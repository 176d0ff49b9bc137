"""Signing in and out, CSRF on every form, and who may open which page."""

from __future__ import annotations

from sqlalchemy import func, select

from careloop.accounts.model import Role
from careloop.tickets.tables import Message
from tests.web.conftest import HTML, PASSWORD, csrf_of


def test_pages_send_a_visitor_without_session_to_login_and_back(client):
    r = client.get("/tickets?tab=all&status=open", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/tickets%3Ftab%3Dall%26status%3Dopen"


def test_htmx_request_without_session_is_redirected_by_header(client):
    r = client.get("/tickets", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["HX-Redirect"].startswith("/login")


def test_login_with_the_right_password_opens_the_inbox(client, make_user):
    user = make_user(Role.AGENT, name="Grace Okafor")
    page = client.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text
    r = client.post(
        "/login",
        data={
            "email": user.email.upper(),
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/customers",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/customers"
    inbox = client.get("/tickets", headers=HTML)
    assert inbox.status_code == 200
    assert "Grace Okafor" in inbox.text
    # The CSRF token is a new one after signing in (no token fixation).
    assert csrf_of(inbox.text) != csrf_of(page.text)


def test_login_with_a_wrong_password_is_refused(client, make_user):
    user = make_user(Role.AGENT)
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"email": user.email, "password": "not it", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 401
    assert "Wrong e-mail or password." in r.text
    assert 'value="' + user.email + '"' in r.text  # the e-mail is kept in the form
    assert client.get("/tickets", headers=HTML, follow_redirects=False).status_code == 303


def test_login_never_redirects_to_another_site(client, make_user):
    user = make_user(Role.AGENT)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        page = client.get("/login")
        r = client.post(
            "/login",
            data={
                "email": user.email,
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
                "next": target,
            },
            follow_redirects=False,
        )
        assert r.headers["location"] == "/tickets", target


def test_logout_ends_the_session(sign_in, make_user):
    browser = sign_in(make_user(Role.AGENT))
    r = browser.post("/logout")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert browser.get("/tickets", follow_redirects=False).status_code == 303


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user(Role.AGENT)
    client.get("/login")
    r = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 403
    assert "This form has expired" in r.text
    assert client.get("/tickets", headers=HTML, follow_redirects=False).status_code == 303


def test_post_with_a_wrong_csrf_token_changes_nothing(sign_in, make_user, make_ticket, db):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket()
    for headers, data in (
        ({}, {"body": "Hello", "csrf_token": "forged"}),
        ({}, {"body": "Hello", "csrf_token": ""}),
        ({"X-CSRF-Token": "forged", "HX-Request": "true"}, {"body": "Hello"}),
    ):
        r = browser.client.post(f"/tickets/{ticket.id}/reply", data=data, headers=HTML | headers)
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("text/html")
    with db.read() as s:
        count = s.scalar(select(func.count()).select_from(Message).where(Message.kind == "reply"))
    assert count == 0


def test_htmx_post_with_the_header_token_is_accepted(sign_in, make_user, make_ticket):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket()
    r = browser.client.post(
        f"/tickets/{ticket.id}/note",
        data={"body": "Checked the batch"},
        headers={"X-CSRF-Token": browser.csrf, "HX-Request": "true"},
    )
    assert r.status_code == 200
    assert "Checked the batch" in r.text


def test_viewer_cannot_reply(sign_in, make_user, make_ticket, db):
    browser = sign_in(make_user(Role.VIEWER))
    ticket = make_ticket()
    page = browser.get(f"/tickets/{ticket.id}")
    assert page.status_code == 200
    assert "/reply" not in page.text  # no reply form for a viewer
    r = browser.post(f"/tickets/{ticket.id}/reply", {"body": "I should not"})
    assert r.status_code == 403
    assert "You may not do this." in r.text
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 1  # the customer's only


def test_only_admins_open_settings(sign_in, make_user):
    browser = sign_in(make_user(Role.SUPERVISOR))
    assert "/settings/users" not in browser.get("/tickets").text
    for url in ("/settings", "/settings/users", "/settings/tokens"):
        assert browser.get(url).status_code == 403, url
    r = browser.post("/settings/tokens", {"name": "sneaky", "role": "admin"})
    assert r.status_code == 403


def test_deactivated_user_loses_the_session(sign_in, make_user, db):
    from careloop.accounts.tables import User

    user = make_user(Role.AGENT)
    browser = sign_in(user)
    with db.write() as s:
        s.get_one(User, user.id).active = False
    assert browser.get("/tickets", follow_redirects=False).status_code == 303
