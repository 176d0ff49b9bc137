"""The generic signed complaint webhook, pure: any system (a helpdesk, a marketplace, a form)
posts a careloop TicketCreate, signed with the shared secret CARELOOP_COMPLAINT_WEBHOOK_SECRET.

Headers:
- X-Careloop-Signature: `sha256=<hex HMAC-SHA256 of the raw body>` (GitHub's format)
- X-Careloop-Delivery: the sender's id for this delivery, at most 200 characters; sending the
  same delivery again returns the ticket it opened the first time and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac

from careloop.integrations import parse_json_object, validated
from careloop.tickets.schemas import TicketCreate

SOURCE = "careloop:complaints"
SIGNATURE_HEADER = "X-Careloop-Signature"
DELIVERY_HEADER = "X-Careloop-Delivery"
_PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    """The X-Careloop-Signature header value for this body."""
    return _PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, secret: str, header: str | None) -> bool:
    """True when the header signs exactly these bytes; compared in constant time."""
    if not header:
        return False
    scheme, _, digest = header.strip().partition("=")
    if scheme.lower() != "sha256" or not digest:
        return False
    expected = sign(body, secret).removeprefix(_PREFIX)
    return hmac.compare_digest(expected.encode("ascii"), digest.lower().encode("utf-8"))


def body_digest(body: bytes) -> str:
    """Ties a delivery id to its body: the same id with another body is not a replay."""
    return hashlib.sha256(body).hexdigest()


def parse_complaint(body: bytes) -> TicketCreate:
    """The body as a ticket to open: malformed JSON is a 400, a wrong field a 422."""
    return validated(TicketCreate, parse_json_object(body), "the complaint")
