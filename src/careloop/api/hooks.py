"""Signed webhooks under /hooks: Shopify's orders, refunds and returns, and a generic complaint
hook for other systems. The signature is checked over the raw body before anything is parsed,
and a delivery is taken in once: a replay answers 200 and changes nothing.

POST /hooks/shopify answers 200 once the delivery is taken in, and otherwise:
- 401 `unauthenticated`: X-Shopify-Shop-Domain or X-Shopify-Hmac-Sha256 is missing;
- 401 `unknown_sender`: the shop domain is not configured (`careloop shop add`). 401, not 404:
  without the shop's secret the delivery cannot be authenticated, which is what 401 says, and
  Shopify retries any non-2xx answer, so deliveries sent just before the shop was added arrive;
- 401 `bad_signature`: X-Shopify-Hmac-Sha256 is not the signature of this body;
- 400 `missing_header` (X-Shopify-Topic, X-Shopify-Webhook-Id), `unsupported_topic`,
  `malformed_json`; 422 `validation_error` for a payload of the wrong shape;
- 409 `unknown_order`: a refund or return for an order not received yet (Shopify retries).

POST /hooks/complaints answers 201 with the ticket opened, 200 with the same ticket for a replay;
404 when CARELOOP_COMPLAINT_WEBHOOK_SECRET is not set; 401 for a missing or wrong signature;
400 `missing_header` without X-Careloop-Delivery; 409 for a delivery id reused with another body.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel

from careloop.api.deps import DB, Now, Router
from careloop.errors import NotFound, Unauthenticated
from careloop.integrations import (
    BadSignature,
    MissingHeader,
    UnknownSender,
    UnsupportedTopic,
    complaints,
    parse_json_object,
    shopify,
)
from careloop.storage.audit import Actor
from careloop.tickets import intake
from careloop.tickets.commerce_queries import shop_by_domain
from careloop.tickets.commerce_tables import Shop
from careloop.tickets.schemas import TicketOut

router = APIRouter(prefix="/hooks", tags=["webhooks"])

MAX_DELIVERY_ID = 200
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "missing header, unsupported topic or malformed JSON"},
    401: {"description": "unsigned, badly signed, or from an unknown sender"},
    409: {"description": "the delivery cannot be taken in yet, or reuses an id"},
    422: {"description": "the payload does not have the documented shape"},
}


async def raw_body(request: Request) -> bytes:
    """The exact bytes received: signatures are computed over them, not over parsed JSON."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


class WebhookAck(BaseModel):
    """What a taken-in delivery led to; `duplicate` means it had been taken in before."""

    status: Literal["processed", "duplicate"]
    topic: str
    order_id: int | None = None
    ticket_id: int | None = None
    ticket_created: bool = False


def _delivery_id(value: str | None, header: str) -> str:
    value = (value or "").strip()
    if not value:
        raise MissingHeader(f"{header} is required", {"header": header})
    if len(value) > MAX_DELIVERY_ID or "\x00" in value:
        raise MissingHeader(
            f"{header} must be at most {MAX_DELIVERY_ID} characters", {"header": header}
        )
    return value


def _customer_source(shop: Shop) -> str:
    """Customer ids are per shop, so each shop is its own source of customer ids."""
    return shopify.shop_source(shop.domain, shop.id)


def _instant_or(value: str | None, default: datetime) -> datetime:
    try:
        instant = datetime.fromisoformat(value.strip()) if value else None
    except ValueError:
        instant = None
    return instant if instant is not None and instant.tzinfo is not None else default


@router.post("/shopify", response_model=WebhookAck, responses=_ERRORS)
def shopify_webhook(
    body: RawBody,
    db: DB,
    now: Now,
    router: Router,
    shop_domain: Annotated[str | None, Header(alias="X-Shopify-Shop-Domain")] = None,
    signature: Annotated[str | None, Header(alias="X-Shopify-Hmac-Sha256")] = None,
    topic: Annotated[str | None, Header(alias="X-Shopify-Topic")] = None,
    webhook_id: Annotated[str | None, Header(alias="X-Shopify-Webhook-Id")] = None,
    event_id: Annotated[str | None, Header(alias="X-Shopify-Event-Id")] = None,
    triggered_at: Annotated[str | None, Header(alias="X-Shopify-Triggered-At")] = None,
) -> WebhookAck:
    """Shopify's orders/create, orders/updated, refunds/create, returns/request and
    returns/approve, signed with the shop's secret (base64 HMAC-SHA256 of the body)."""
    if not shop_domain or not signature:
        raise Unauthenticated(
            "a Shopify delivery needs X-Shopify-Shop-Domain and X-Shopify-Hmac-Sha256",
            {"headers": ["X-Shopify-Shop-Domain", "X-Shopify-Hmac-Sha256"]},
        )
    shop = shop_by_domain(db, shop_domain)
    if shop is None or shop.platform != shopify.SOURCE:
        raise UnknownSender(
            f"no shop {shop_domain.strip().lower()!r} is configured",
            {"header": "X-Shopify-Shop-Domain"},
        )
    if not shopify.signature_matches(body, shop.webhook_secret, signature):
        raise BadSignature(
            "X-Shopify-Hmac-Sha256 is not the signature of this body with the shop's secret",
            {"header": "X-Shopify-Hmac-Sha256"},
        )
    delivery_id = _delivery_id(webhook_id, "X-Shopify-Webhook-Id")
    topic = (topic or "").strip().lower()
    if not topic:
        raise MissingHeader("X-Shopify-Topic is required", {"header": "X-Shopify-Topic"})
    if topic not in shopify.TOPICS:
        raise UnsupportedTopic(
            f"topic {topic[:100]!r} is not taken in", {"supported": sorted(shopify.TOPICS)}
        )
    payload = parse_json_object(body)
    keys = [delivery_id]
    if event_id and event_id.strip():
        # One merchant action can reach one topic through several subscriptions.
        keys.append(f"event:{topic}:{_delivery_id(event_id, 'X-Shopify-Event-Id')}")
    source = f"shopify:{shop.domain}"
    delivery = intake.Delivery(source=source, keys=tuple(keys), topic=topic, shop_id=shop.id)
    actor = Actor(user_id=None, label=source[:200])
    if topic in shopify.ORDER_TOPICS:
        external_id, data = shopify.order_upsert(payload, customer_source=_customer_source(shop))
        outcome = intake.take_shopify_order(
            db,
            actor=actor,
            now=now,
            delivery=delivery,
            shop_id=shop.id,
            external_id=external_id,
            data=data,
        )
    elif topic in shopify.REFUND_TOPICS:
        outcome = intake.take_shopify_refund(
            db, actor=actor, now=now, delivery=delivery, refund=shopify.refund_of(payload)
        )
    else:
        outcome = intake.take_shopify_return(
            db,
            actor=actor,
            now=now,
            delivery=delivery,
            ret=shopify.return_of(payload),
            requested_at=_instant_or(triggered_at, now),
        )
    if outcome.ticket is not None and outcome.ticket_created and not outcome.replayed:
        router.route([outcome.ticket], now)
    return WebhookAck(
        status="duplicate" if outcome.replayed else "processed",
        topic=topic,
        order_id=outcome.order_id,
        ticket_id=outcome.ticket.id if outcome.ticket else None,
        ticket_created=outcome.ticket_created,
    )


@router.post(
    "/complaints",
    status_code=201,
    response_model=TicketOut,
    responses={200: {"description": "a replayed delivery: the ticket it opened"}, **_ERRORS},
)
def complaint_webhook(
    request: Request,
    response: Response,
    body: RawBody,
    db: DB,
    now: Now,
    router: Router,
    signature: Annotated[str | None, Header(alias="X-Careloop-Signature")] = None,
    delivery_id: Annotated[str | None, Header(alias="X-Careloop-Delivery")] = None,
) -> TicketOut:
    """Open a ticket from another system: the body is a TicketCreate, signed with
    `X-Careloop-Signature: sha256=<hex HMAC-SHA256 of the body>`."""
    secret: str | None = request.app.state.settings.complaint_webhook_secret
    if not secret:
        raise NotFound("the complaint webhook is off: set CARELOOP_COMPLAINT_WEBHOOK_SECRET")
    if not signature:
        raise Unauthenticated(
            "sign the body: X-Careloop-Signature: sha256=<hex HMAC-SHA256>",
            {"header": complaints.SIGNATURE_HEADER},
        )
    if not complaints.signature_matches(body, secret, signature):
        raise BadSignature(
            "X-Careloop-Signature is not the signature of this body",
            {"header": complaints.SIGNATURE_HEADER},
        )
    key = _delivery_id(delivery_id, complaints.DELIVERY_HEADER)
    data = complaints.parse_complaint(body)
    outcome = intake.take_complaint(
        db,
        actor=Actor(user_id=None, label="complaint webhook"),
        now=now,
        delivery=intake.Delivery(source=complaints.SOURCE, keys=(key,), topic="complaint"),
        data=data,
        body_digest=complaints.body_digest(body),
    )
    ticket = outcome.ticket
    if outcome.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    elif ticket is not None:
        ticket = router.route([ticket], now).get(ticket.id, ticket)
    return TicketOut.model_validate(ticket)
