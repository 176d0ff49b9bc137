"""Settings for administrators: users, and API tokens (a new token is shown once)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts import actions as accounts
from careloop.accounts import queries as accounts_queries
from careloop.accounts.model import Permission, Principal, Role
from careloop.api.deps import PathId
from careloop.errors import DomainError, Invalid
from careloop.web import session
from careloop.web.access import Db, Now, WebRoute, require_page
from careloop.web.errors import Problem
from careloop.web.i18n import LOCALE_NAMES, LOCALES, N_
from careloop.web.rendering import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
UserAdmin = Annotated[Principal, Depends(require_page(Permission.USERS_MANAGE))]
TokenAdmin = Annotated[Principal, Depends(require_page(Permission.TOKENS_MANAGE))]
Field = Annotated[str, Form(max_length=254)]
COMMON_ZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Australia/Sydney",
)


def users_page(
    request: Request,
    principal: Principal,
    db: Db,
    *,
    problem: Problem | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "users": accounts_queries.list_users(db),
        "roles": list(Role),
        "locales": [(code, LOCALE_NAMES[code]) for code in LOCALES],
        "zones": COMMON_ZONES,
        "problem": problem,
        "form": form or {"email": "", "name": "", "role": "agent", "timezone": "UTC"},
    }
    status = problem.status if problem else 200
    return render(
        request,
        "settings/users.html",
        context,
        principal=principal,
        status=status,
        page_url="/settings/users",
    )


def tokens_page(
    request: Request,
    principal: Principal,
    db: Db,
    *,
    issued: accounts.IssuedToken | None = None,
    problem: Problem | None = None,
) -> HTMLResponse:
    tokens = accounts_queries.list_tokens(db)
    users = {u.id: u.name for u in accounts_queries.list_users(db)}
    context = {
        "tokens": tokens,
        "users": users,
        "roles": list(Role),
        "issued": issued,
        "problem": problem,
    }
    return render(
        request,
        "settings/tokens.html",
        context,
        principal=principal,
        status=problem.status if problem else 200,
        page_url="/settings/tokens",
        # The new token is in this page only: nothing may keep a copy.
        headers={"Cache-Control": "no-store"} if issued else None,
    )


@router.get("/settings")
def settings_home(_: UserAdmin) -> RedirectResponse:
    return RedirectResponse("/settings/users", status_code=303)


@router.get("/settings/users", response_class=HTMLResponse)
def users(request: Request, principal: UserAdmin, db: Db) -> HTMLResponse:
    return users_page(request, principal, db)


@router.post("/settings/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    principal: UserAdmin,
    db: Db,
    now: Now,
    email: Field = "",
    name: Field = "",
    role: Field = "",
    password: Annotated[str, Form(max_length=200)] = "",
    timezone: Field = "UTC",
    locale: Field = "en",
) -> Response:
    form = {"email": email, "name": name, "role": role, "timezone": timezone, "locale": locale}
    try:
        if any("\x00" in v for v in (*form.values(), password)):
            raise Invalid("text may not contain NUL characters")
        if not name.strip() or len(name.strip()) > 200:
            raise Invalid("a user needs a name of 1 to 200 characters", {"field": "name"})
        if role not in Role._value2member_map_:
            raise Invalid(f"unknown role {role!r}", {"field": "role"})
        if locale not in LOCALES:
            raise Invalid(f"unknown language {locale!r}", {"field": "locale"})
        if len(password) < 8:
            raise Invalid("password must have at least 8 characters", {"field": "password"})
        user = accounts.create_user(
            db,
            actor=principal.actor,
            now=now,
            email=email.strip(),
            name=name.strip(),
            role=Role(role),
            password=password,
            timezone=timezone.strip() or "UTC",
            locale=locale,
        )
    except DomainError as exc:
        return users_page(request, principal, db, problem=Problem.of(exc), form=form)
    session.flash(request, N_("User %(email)s created."), email=user.email)
    return RedirectResponse("/settings/users", status_code=303)


@router.get("/settings/tokens", response_class=HTMLResponse)
def tokens(request: Request, principal: TokenAdmin, db: Db) -> HTMLResponse:
    return tokens_page(request, principal, db)


@router.post("/settings/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    principal: TokenAdmin,
    db: Db,
    now: Now,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Field = "",
) -> Response:
    try:
        if role not in Role._value2member_map_:
            raise Invalid(f"unknown role {role!r}", {"field": "role"})
        if "\x00" in name:
            raise Invalid("text may not contain NUL characters", {"field": "name"})
        issued = accounts.create_token(
            db, actor=principal.actor, now=now, name=name, role=Role(role)
        )
    except DomainError as exc:
        return tokens_page(request, principal, db, problem=Problem.of(exc))
    return tokens_page(request, principal, db, issued=issued)


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    token_id: PathId,
    principal: TokenAdmin,
    db: Db,
    now: Now,
) -> RedirectResponse:
    accounts.revoke_token(db, actor=principal.actor, now=now, token_id=token_id)
    session.flash(request, N_("Token revoked."))
    return RedirectResponse("/settings/tokens", status_code=303)
