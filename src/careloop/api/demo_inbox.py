"""POST /hooks/demo-inbox/{slug}: the demo's stand-in group chats receive careloop's signed
webhook notifications here (the demo's receivers point at this server), so alerts can be seen
arriving without a chat service. Answers 200 with what was taken in (`stored` false for a
repeated Idempotency-Key); 401 for a missing or wrong signature or a stale timestamp, with
nothing stored; 404 for an unknown inbox; 400 without an Idempotency-Key or JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel

from careloop.api.deps import DB, Now
from careloop.demo import inbox
from careloop.integrations.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER

router = APIRouter(prefix="/hooks", tags=["webhooks"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "no Idempotency-Key, or the body is not JSON"},
    401: {"description": "unsigned, badly signed, or signed too long ago"},
    404: {"description": "no demo inbox of that name"},
    422: {"description": "the body carries no alert message"},
}


async def raw_body(request: Request) -> bytes:
    """The exact bytes received: the signature is computed over them."""
    return await request.body()


class InboxAck(BaseModel):
    message_id: int
    stored: bool


@router.post("/demo-inbox/{slug}", response_model=InboxAck, responses=_ERRORS)
def demo_inbox(
    slug: str,
    body: Annotated[bytes, Depends(raw_body)],
    db: DB,
    now: Now,
    timestamp: Annotated[str | None, Header(alias=TIMESTAMP_HEADER)] = None,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> InboxAck:
    """Take in one alert notification signed as careloop's generic webhook signs it."""
    got = inbox.receive(
        db, slug=slug, raw=body, timestamp=timestamp, signature=signature, key=key, now=now
    )
    return InboxAck(message_id=got.message_id, stored=got.stored)
