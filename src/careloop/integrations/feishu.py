"""Feishu/Lark custom bot webhooks: an alert message as an interactive card, signed, and the
bot's answer read as delivered, retry or permanent failure.

Formats followed, as Feishu documents them for custom bots (open.feishu.cn "Custom bot usage
guide"; Lark: open.larksuite.com):
- signature: the string `timestamp + "\\n" + secret` is the HMAC-SHA256 key over an empty
  message; the digest in base64 is `sign`, sent in the body with `timestamp` (seconds since the
  epoch, as text; Feishu refuses one more than an hour away from its clock).
- body: {"timestamp", "sign", "msg_type": "interactive", "card": {...}}; the card has a header
  (plain-text title, `template` colour) and elements (div with text or fields, action buttons
  with `url`, note).
- answers: HTTP 200 with {"code": 0, "msg": "success"} (older bots: {"StatusCode": 0}) on
  success; otherwise a non-zero code: 19021 signature mismatch or timestamp too far off, 19022
  IP not allowed, 19024 keyword missing, 19001 the hook is invalid, 19002 parameters missing,
  19007 bot not enabled, 9499 bad request; 11232 frequency limited (100/min, 5/s per bot) and
  230020 (chat rate limit) are rate limits, retried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from careloop.alerts.channel import Outcome, Result, Target, http_outcome, short
from careloop.alerts.message import AlertMessage, Severity
from careloop.integrations.outgoing import post

TEMPLATES = {
    Severity.CRITICAL: "red",
    Severity.WARNING: "orange",
    Severity.INFO: "blue",
    Severity.RESOLVED: "green",
}
RATE_LIMIT_CODES = frozenset({11232, 230020})
# A rate-limited bot is asked again no sooner than this (Feishu sends no Retry-After).
RATE_LIMIT_WAIT = 1.0


def sign(timestamp: int, secret: str) -> str:
    """Feishu's signature: base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _text(content: str) -> dict[str, str]:
    return {"tag": "plain_text", "content": content}


def card(message: AlertMessage) -> dict[str, Any]:
    """The interactive card: coloured header, summary, key figures two to a row, labels as a
    note, and buttons to the drill-down and to acknowledge."""
    elements: list[dict[str, Any]] = []
    if message.summary:
        elements.append({"tag": "div", "text": _text(message.summary)})
    if message.figures:
        elements.append(
            {
                "tag": "div",
                "fields": [
                    {"is_short": True, "text": _text(f"{f.label}: {f.value}")}
                    for f in message.figures
                ],
            }
        )
    actions = []
    if message.drill_url:
        actions.append(
            {"tag": "button", "text": _text("Details"), "type": "primary", "url": message.drill_url}
        )
    if message.ack_url:
        actions.append(
            {
                "tag": "button",
                "text": _text("Acknowledge"),
                "type": "default",
                "url": message.ack_url,
            }
        )
    if actions:
        elements.append({"tag": "action", "actions": actions})
    if message.labels:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(message.labels.items()))
        elements.append({"tag": "note", "elements": [_text(labels)]})
    return {
        "config": {"wide_screen_mode": True},
        "header": {"title": _text(message.title), "template": TEMPLATES[message.severity]},
        "elements": elements,
    }


def body(message: AlertMessage, *, secret: str | None, now: datetime) -> dict[str, Any]:
    """The webhook's JSON body; signed when the bot has a secret."""
    payload: dict[str, Any] = {"msg_type": "interactive", "card": card(message)}
    if secret:
        timestamp = int(now.timestamp())
        payload = {"timestamp": str(timestamp), "sign": sign(timestamp, secret), **payload}
    return payload


def classify(status: int, headers: Mapping[str, str], text: str, now: datetime) -> Outcome:
    """Read the bot's answer: HTTP errors as any webhook's, then the body's code."""
    if not 200 <= status < 300:
        return http_outcome(status, headers, now, f"HTTP {status}: {short(text)}")
    try:
        answer = json.loads(text)
    except ValueError:
        return Outcome(Result.FAILED, status, f"not a Feishu answer: {short(text)}")
    if not isinstance(answer, dict):
        return Outcome(Result.FAILED, status, f"not a Feishu answer: {short(text)}")
    code = answer.get("code", answer.get("StatusCode"))
    msg = answer.get("msg", answer.get("StatusMessage", ""))
    if code == 0:
        return Outcome(Result.DELIVERED, status)
    error = f"Feishu code {code}: {short(str(msg))}"
    if code in RATE_LIMIT_CODES:
        return Outcome(Result.RETRY, status, error, RATE_LIMIT_WAIT)
    return Outcome(Result.FAILED, status, error)


def send(
    client: httpx.Client, target: Target, message: AlertMessage, key: str, now: datetime
) -> Outcome:
    """Post the card to the bot's webhook URL."""
    del key  # Feishu bots have no idempotency header; the outbox sends each key once
    raw = json.dumps(body(message, secret=target.secret, now=now), ensure_ascii=False).encode()
    answer = post(client, target.url, raw, {})
    if isinstance(answer, Outcome):
        return answer
    return classify(answer.status_code, answer.headers, answer.text, now)
