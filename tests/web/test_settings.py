"""Settings: users and API tokens, for administrators."""

from __future__ import annotations

import re

from careloop.accounts import actions as accounts
from careloop.accounts import queries as accounts_queries
from careloop.accounts.model import Role
from careloop.errors import Unauthenticated


def test_admin_creates_a_user_who_can_sign_in(sign_in, make_user, db, client):
    browser = sign_in(make_user(Role.ADMIN))
    r = browser.post(
        "/settings/users",
        {
            "name": "Li Wei",
            "email": "li.wei@example.com",
            "role": "supervisor",
            "password": "a long password",
            "timezone": "Asia/Shanghai",
            "locale": "zh_Hans",
        },
    )
    assert r.status_code == 303
    page = browser.get("/settings/users").text
    assert "User li.wei@example.com created." in page and "Li Wei" in page
    principal = accounts.authenticate_password(db, "li.wei@example.com", "a long password")
    assert (principal.role, principal.timezone, principal.locale) == (
        Role.SUPERVISOR,
        "Asia/Shanghai",
        "zh_Hans",
    )


def test_bad_user_form_is_shown_again_with_the_problem(sign_in, make_user, db):
    admin = make_user(Role.ADMIN)
    browser = sign_in(admin)
    before = len(accounts_queries.list_users(db))
    r = browser.post(
        "/settings/users",
        {"name": "Dup", "email": admin.email, "role": "agent", "password": "long enough"},
    )
    assert r.status_code == 409 and "Field: E-mail" in r.text
    r = browser.post(
        "/settings/users",
        {
            "name": "Bad zone",
            "email": "z@example.com",
            "role": "agent",
            "password": "long enough",
            "timezone": "Mars/Olympus",
        },
    )
    assert r.status_code == 422 and 'value="z@example.com"' in r.text
    assert len(accounts_queries.list_users(db)) == before


def test_token_is_shown_once_and_can_be_revoked(sign_in, make_user, db):
    browser = sign_in(make_user(Role.ADMIN))
    r = browser.post("/settings/tokens", {"name": "Shopify sync", "role": "integrator"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    token = re.search(r'class="token" readonly value="(clt_[^"]+)"', r.text).group(1)
    assert accounts.authenticate_token(db, token).role == Role.INTEGRATOR
    listing = browser.get("/settings/tokens").text
    assert "Shopify sync" in listing and token not in listing and token[:10] in listing
    [row] = accounts_queries.list_tokens(db)
    assert browser.post(f"/settings/tokens/{row.id}/revoke").status_code == 303
    try:
        accounts.authenticate_token(db, token)
    except Unauthenticated:
        pass
    else:
        raise AssertionError("a revoked token still works")
    assert "Token revoked." in browser.get("/settings/tokens").text
