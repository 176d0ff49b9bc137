"""Dependencies shared by the API routers: the database, the clock, the caller."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request

from careloop.accounts import actions as accounts
from careloop.accounts.model import Permission, Principal
from careloop.clock import Clock
from careloop.errors import Forbidden, Invalid, Unauthenticated
from careloop.routing.dispatch import Dispatcher
from careloop.storage.engine import Database
from careloop.storage.requests import IdempotencyKey

# Ids are 32-bit on both backends: a larger one in a path or query is a 422, not a 500.
MAX_ROW_ID = 2_147_483_647
PathId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]


# The dependencies that only read the app's state are `async`: FastAPI runs a sync one on the
# thread pool, a hop per dependency per request that costs more than the work.


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_now(clock: Annotated[Clock, Depends(get_clock)]) -> datetime:
    return clock.now()


async def get_router(request: Request) -> Dispatcher:
    router: Dispatcher = request.app.state.router
    return router


DB = Annotated[Database, Depends(get_db)]
Now = Annotated[datetime, Depends(get_now)]
Router = Annotated[Dispatcher, Depends(get_router)]  # group routing of new tickets


def bearer_principal(
    db: DB, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Principal:
    if not authorization:
        raise Unauthenticated("send an API token as 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an API token as 'Authorization: Bearer <token>'")
    return accounts.authenticate_token(db, token.strip())


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets the call through only for a role holding `permission`."""

    async def check(principal: Annotated[Principal, Depends(bearer_principal)]) -> Principal:
        if not principal.can(permission):
            raise Forbidden(
                f"role {principal.role.value} may not do this",
                {"required": permission.value, "role": principal.role.value},
            )
        return principal

    return check


async def idempotency_key(
    request: Request,
    principal: Annotated[Principal, Depends(bearer_principal)],
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> IdempotencyKey | None:
    """The Idempotency-Key header bound to this caller and this exact request."""
    if key is None:
        return None
    key = key.strip()
    if not key:
        raise Invalid("Idempotency-Key may not be empty", {"header": "Idempotency-Key"})
    body = await request.body()
    digest = hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
    ).hexdigest()
    who = (
        f"token:{principal.token_id}"
        if principal.token_id is not None
        else f"user:{principal.user_id}"
    )
    return IdempotencyKey(principal=who, key=key, request_hash=digest)


Idempotency = Annotated[IdempotencyKey | None, Depends(idempotency_key)]
