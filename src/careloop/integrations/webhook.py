"""The generic JSON webhook: the alert message as JSON, signed with HMAC-SHA256 so the receiver
can tell it came from careloop and is fresh, with the notification's key as Idempotency-Key so
a receiver can drop a repeat (delivery is at least once).

Headers sent:
- `X-Careloop-Timestamp`: seconds since the epoch when the request was signed.
- `X-Careloop-Signature`: "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), only
  when the receiver has a secret; a receiver should refuse timestamps minutes away from its own.
- `Idempotency-Key`: the notification's key, the same on every try.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

import httpx

from careloop.alerts.channel import Outcome, Target, http_outcome, short
from careloop.alerts.message import AlertMessage
from careloop.integrations.outgoing import post

TIMESTAMP_HEADER = "X-Careloop-Timestamp"
SIGNATURE_HEADER = "X-Careloop-Signature"


def signature(secret: str, timestamp: int, raw: bytes) -> str:
    """'sha256=' and the hex HMAC-SHA256 of `timestamp.body` keyed with the secret."""
    signed = str(timestamp).encode() + b"." + raw
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, raw: bytes, given: str) -> bool:
    """What a receiver checks (and the tests): the signature matches, compared in constant time."""
    if not timestamp.isdigit():
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), raw), given)


def body(message: AlertMessage, key: str, now: datetime) -> dict[str, Any]:
    return {"key": key, "sent_at": now.isoformat(), "message": message.to_json()}


def request(
    message: AlertMessage, key: str, *, secret: str | None, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of one delivery."""
    raw = json.dumps(body(message, key, now), ensure_ascii=False, sort_keys=True).encode()
    timestamp = int(now.timestamp())
    headers = {"Idempotency-Key": key, TIMESTAMP_HEADER: str(timestamp)}
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, timestamp, raw)
    return raw, headers


def send(
    client: httpx.Client, target: Target, message: AlertMessage, key: str, now: datetime
) -> Outcome:
    """2xx is delivered; 408, 429 (Retry-After honoured) and 5xx retried; other 4xx final."""
    raw, headers = request(message, key, secret=target.secret, now=now)
    answer = post(client, target.url, raw, headers)
    if isinstance(answer, Outcome):
        return answer
    status = answer.status_code
    return http_outcome(status, answer.headers, now, f"HTTP {status}: {short(answer.text)}")
