"""Who is looking at a page and what they may do: the one home of access rules for the web UI.

Every web route is a WebRoute: a POST must carry the session's CSRF token, a visitor without a
session goes to the login page, and a DomainError becomes an HTML page (never JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute

from careloop.accounts import actions as accounts
from careloop.accounts import queries as accounts_queries
from careloop.accounts.model import Permission, Principal
from careloop.clock import Clock
from careloop.errors import DomainError, Forbidden
from careloop.storage.engine import Database
from careloop.web import session
from careloop.web.errors import error_page, login_redirect
from careloop.web.i18n import N_

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_TITLE = N_("This form has expired. Reload the page and try again.")


class LoginRequired(Exception):
    """The visitor has no valid session."""


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token."""


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


def current_principal(request: Request) -> Principal:
    """The signed-in user of this request; without one, the visitor is sent to /login."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    user_id = session.session_user_id(request)
    if user_id is None:
        raise LoginRequired
    user = accounts_queries.user_by_id(database(request), user_id)
    if user is None or not user.active:
        session.end_session(request)
        raise LoginRequired
    principal = accounts.principal_for_user(user)
    request.state.principal = principal
    return principal


def require_page(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency letting through only a signed-in user whose role holds `permission`."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.can(permission):
            raise Forbidden(
                f"role {principal.role.value} may not do this",
                {"required": permission.value, "role": principal.role.value},
            )
        return principal

    return check


async def check_csrf(request: Request) -> None:
    sent = request.headers.get(session.CSRF_HEADER)
    if not sent:
        try:
            form = await request.form()
        except Exception as exc:  # a body that is not a form cannot carry the token
            raise CsrfRejected from exc
        value = form.get(session.CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not session.csrf_matches(request, sent):
        raise CsrfRejected


class WebRoute(APIRoute):
    """A page route: CSRF on every unsafe method, HTML errors, login redirects."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                if request.method not in SAFE_METHODS:
                    await check_csrf(request)
                return await handle(request)
            except LoginRequired:
                return login_redirect(request)
            except CsrfRejected:
                return error_page(request, 403, title=CSRF_TITLE)
            except DomainError as exc:
                return error_page(request, exc.status, exc.message)
            except RequestValidationError as exc:
                fields = sorted({str(e.get("loc", ("", ""))[-1]) for e in exc.errors()})
                return error_page(request, 422, ", ".join(fields))

        return guarded


Db = Annotated[Database, Depends(database)]
Now = Annotated[datetime, Depends(now)]
Signed = Annotated[Principal, Depends(current_principal)]
