"""What a browser session keeps: the signed-in user, the CSRF token, the language, flashes.

The session is Starlette's signed cookie (`careloop_session`); it holds ids and short codes only.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import HTTPConnection

USER_KEY = "user_id"
CSRF_KEY = "csrf"
LANG_KEY = "lang"
FLASH_KEY = "flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def session_of(request: HTTPConnection) -> dict[str, Any]:
    """The session, or an empty dict outside the session middleware (error pages)."""
    if "session" not in request.scope:
        return {}
    session: dict[str, Any] = request.session
    return session


def csrf_token(request: HTTPConnection) -> str:
    """The session's CSRF token, made on first use."""
    session = session_of(request)
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def csrf_matches(request: HTTPConnection, sent: str | None) -> bool:
    expected = session_of(request).get(CSRF_KEY)
    if not isinstance(expected, str) or not expected or not sent:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode())


def start_session(request: HTTPConnection, user_id: int) -> None:
    """A fresh session for a user who just signed in: new CSRF token, the language kept."""
    session = session_of(request)
    lang = session.get(LANG_KEY)
    session.clear()
    session[USER_KEY] = user_id
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    if isinstance(lang, str):
        session[LANG_KEY] = lang


def end_session(request: HTTPConnection) -> None:
    session_of(request).clear()


def session_user_id(request: HTTPConnection) -> int | None:
    value = session_of(request).get(USER_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def flash(request: HTTPConnection, message: str, kind: str = "ok", **params: str) -> None:
    """Keep a message for the next page; `message` is a msgid marked with N_()."""
    session = session_of(request)
    entry = {"msg": message, "kind": kind, "params": params}
    session[FLASH_KEY] = [*session.get(FLASH_KEY, []), entry]


def pop_flashes(request: HTTPConnection) -> list[dict[str, Any]]:
    raw = session_of(request).pop(FLASH_KEY, [])
    return [f for f in raw if isinstance(f, dict)] if isinstance(raw, list) else []
