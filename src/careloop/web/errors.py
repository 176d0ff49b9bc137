"""HTML error pages for people in a browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from careloop.accounts.model import Principal
from careloop.errors import DomainError
from careloop.web.i18n import N_
from careloop.web.rendering import is_htmx, render

TITLES = {
    400: N_("The request is not valid."),
    403: N_("You may not do this."),
    404: N_("This page does not exist."),
    405: N_("This address does not take that kind of request."),
    409: N_("This change is not possible now."),
    413: N_("What you sent is too large."),
    422: N_("Please check what you entered."),
    429: N_("Too many requests; please wait a moment."),
}
GENERIC_TITLE = N_("The request could not be handled.")
FIELD_NAMES = {
    "email": N_("E-mail"),
    "name": N_("Name"),
    "password": N_("Password"),
    "role": N_("Role"),
    "timezone": N_("Time zone"),
    "locale": N_("Language"),
    "status": N_("Status"),
    "assignee_id": N_("Assignee"),
    "filters": N_("Filters"),
}


@dataclass(frozen=True)
class Problem:
    """What went wrong with a form: a translatable headline, the field concerned when known,
    and the domain's own words as detail."""

    title: str
    params: dict[str, str] = field(default_factory=dict)
    detail: str = ""
    status: int = 422
    field: str | None = None  # a msgid from FIELD_NAMES

    @classmethod
    def of(cls, exc: DomainError) -> Problem:
        details = exc.details if isinstance(exc.details, dict) else {}
        return cls(
            title=TITLES.get(exc.status, GENERIC_TITLE),
            detail=exc.message,
            status=exc.status,
            field=FIELD_NAMES.get(str(details.get("field"))),
        )


def login_redirect(request: Request) -> Response:
    """Send a visitor without a session to the login page, back here afterwards."""
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    location = "/login?next=" + quote(target, safe="/")
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def error_page(
    request: Request,
    status: int,
    message: str = "",
    *,
    title: str | None = None,
    principal: Principal | None = None,
) -> HTMLResponse:
    """A page saying what went wrong; htmx requests get it as a message at the top of the page."""
    detail = message if message and message != _phrase(status) else ""
    headers = None
    if is_htmx(request):
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", "HX-Reselect": "#error"}
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title or TITLES.get(status, GENERIC_TITLE), "detail": detail},
        principal=principal,
        status=status,
        headers=headers,
    )


def html_error(request: Request, status: int, message: str) -> Response:
    if status == 401:
        return login_redirect(request)
    return error_page(request, status, message)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
