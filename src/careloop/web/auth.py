"""Signing in with e-mail and password, signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts import actions as accounts
from careloop.errors import Unauthenticated
from careloop.web import session
from careloop.web.access import Db, WebRoute
from careloop.web.i18n import N_
from careloop.web.rendering import render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
HOME = "/tickets"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (`//evil`, `/\\evil`, `https://...`)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n\x00")
    ):
        return HOME
    return target


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    if session.session_user_id(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "auth/login.html", {"next": safe_next(next), "email": "", "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: Db,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    try:
        principal = accounts.authenticate_password(db, email, password)
    except Unauthenticated:
        return render(
            request,
            "auth/login.html",
            {"next": safe_next(next_url), "email": email, "error": N_("Wrong e-mail or password.")},
            status=401,
            page_url="/login",
        )
    if principal.user_id is None:  # a password always belongs to a user; never sign in a token
        raise Unauthenticated("wrong e-mail or password")
    session.start_session(request, principal.user_id)
    return RedirectResponse(safe_next(next_url), status_code=303)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    session.end_session(request)
    session.flash(request, N_("You are signed out."))
    return RedirectResponse("/login", status_code=303)
