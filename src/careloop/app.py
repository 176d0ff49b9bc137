"""create_app(): the one ASGI application serving pages, the JSON API, webhooks and /healthz."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from careloop import __version__
from careloop.api import accounts as accounts_api
from careloop.api import alerts as alerts_api
from careloop.api import alerts_delivery as alerts_delivery_api
from careloop.api import attendance as attendance_api
from careloop.api import board as board_api
from careloop.api import capa as capa_api
from careloop.api import commerce as commerce_api
from careloop.api import demo_inbox as demo_inbox_api
from careloop.api import errors
from careloop.api import hooks as hooks_api
from careloop.api import insights as insights_api
from careloop.api import jobs as jobs_api
from careloop.api import planning as planning_api
from careloop.api import rosters as rosters_api
from careloop.api import routing as routing_api
from careloop.api import sla as sla_api
from careloop.api import tickets as tickets_api
from careloop.api import views as views_api
from careloop.api import workforce as workforce_api
from careloop.clock import Clock, SystemClock
from careloop.config import Settings
from careloop.jobs import background
from careloop.routing.dispatch import Dispatcher
from careloop.storage.engine import Database
from careloop.web import routes as web_routes

STATIC = Path(__file__).parent / "web" / "static"


class BodyLimit:
    """Refuse request bodies over the limit with 413 before any handler reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            await _send_error(send, 400, "bad_request", "NUL characters are not allowed in URLs")
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(
                send, 413, "payload_too_large", f"the body is over {self.max_bytes} bytes"
            )
            return
        seen = 0
        too_big = False

        async def limited() -> Message:
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_big = True
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _send_error(
                send, 413, "payload_too_large", f"the body is over {self.max_bytes} bytes"
            )


class _TooLarge(Exception):
    pass


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    response = errors.error_response(status, code, message)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def create_app(
    settings: Settings | None = None, *, db: Database | None = None, clock: Clock | None = None
) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="careloop",
        version=__version__,
        description="Customer-care operations: tickets, customers and orders, signed webhooks.",
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=background.lifespan,  # the in-process job runner; see jobs/background.py
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    app.state.clock = clock or SystemClock()
    app.state.router = Dispatcher(app.state.db)  # group routing; its thread runs in lifespan
    errors.install(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        """Alive and able to reach the database."""
        with app.state.db.read() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": app.state.db.dialect}

    app.include_router(tickets_api.router)
    app.include_router(views_api.router)
    app.include_router(commerce_api.router)
    app.include_router(accounts_api.router)
    app.include_router(workforce_api.router)
    app.include_router(rosters_api.router)
    app.include_router(routing_api.router)
    app.include_router(sla_api.router)
    app.include_router(attendance_api.router)
    app.include_router(board_api.router)
    app.include_router(hooks_api.router)
    app.include_router(demo_inbox_api.router)
    app.include_router(jobs_api.router)
    app.include_router(insights_api.router)
    app.include_router(alerts_delivery_api.router)
    app.include_router(planning_api.router)
    app.include_router(alerts_api.router)
    app.include_router(capa_api.router)
    app.include_router(web_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="careloop_session",
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=12 * 3600,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
