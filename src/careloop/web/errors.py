"""HTML error pages for people in a browser."""

from __future__ import annotations

from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response


def html_error(request: Request, status: int, message: str) -> Response:
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    body = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p>"
    return HTMLResponse(body, status_code=status)
