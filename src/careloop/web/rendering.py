"""Jinja2 with gettext: one environment per language, and render() for every page."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from careloop.accounts.model import Permission, Principal
from careloop.web import session
from careloop.web.i18n import (
    DEFAULT_LOCALE,
    HTML_LANG,
    LOCALE_NAMES,
    LOCALES,
    Formatter,
    normal_locale,
    translations,
    viewer_zone,
)

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=len(LOCALES))
def environment(locale: str) -> Environment:
    """Templates of one language: gettext is installed once per environment, so two requests in
    different languages never share a translation."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def locale_for(request: Request, principal: Principal | None) -> str:
    """?lang= (kept in the session), else the session's choice, else the user's, else English."""
    store = session.session_of(request)
    asked = normal_locale(request.query_params.get("lang"))
    if asked is not None:
        store[session.LANG_KEY] = asked
        return asked
    chosen = normal_locale(store.get(session.LANG_KEY))
    if chosen is not None:
        return chosen
    if principal is not None and normal_locale(principal.locale):
        return principal.locale
    return DEFAULT_LOCALE


def formatter_for(request: Request, principal: Principal | None) -> Formatter:
    zone = viewer_zone(principal.timezone if principal else "UTC")
    return Formatter(locale=locale_for(request, principal), zone=zone)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _with_lang(request: Request, page_url: str | None, code: str) -> str:
    if page_url is None and request.method == "GET":
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        return f"{request.url.path}?{urlencode([*params, ('lang', code)])}"
    here = page_url or "/tickets"
    return f"{here}{'&' if '?' in here else '?'}lang={code}"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    status: int = 200,
    page_url: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page in the viewer's language and time zone.

    `page_url` is the address the language switcher reloads; after a POST it is the page the
    form belongs to.
    """
    if principal is None:
        principal = getattr(request.state, "principal", None)
    fmt = formatter_for(request, principal)
    lang_links = [
        {"code": code, "name": LOCALE_NAMES[code], "url": _with_lang(request, page_url, code)}
        for code in LOCALES
    ]
    values: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "can": (lambda p: principal is not None and principal.can(Permission(p))),
        "fmt": fmt,
        "label": fmt.label,
        "locale": fmt.locale,
        "html_lang": HTML_LANG[fmt.locale],
        "lang_links": lang_links,
        "csrf_token": session.csrf_token(request),
        "csrf_field": session.CSRF_FIELD,
        "flashes": session.pop_flashes(request),
        "path": request.url.path,
        "now": request.app.state.clock.now(),  # e.g. whether an SLA due instant has passed
    }
    values.update(context or {})
    html = environment(fmt.locale).get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=headers)
