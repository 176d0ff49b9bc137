"""Slack incoming webhooks: an alert message as Block Kit blocks with a plain `text` fallback,
and Slack's answer read as delivered, retry or permanent failure.

Formats followed, as Slack documents them (api.slack.com/messaging/webhooks, "Formatting text
for app surfaces", "Rate limits"):
- body: {"text": ..., "blocks": [...]}: a header block (plain_text, at most 150 characters),
  section blocks with mrkdwn text and fields (at most 10), a context block, an actions block
  of buttons with `url`.
- in mrkdwn text the three control characters are escaped: & as &amp;, < as &lt;, > as &gt;.
- answers: 200 "ok"; 400 invalid_payload, no_text, user_not_found; 403 action_prohibited,
  invalid_token; 404 channel_not_found, no_service; 410 channel_is_archived; 500
  rollup_error; 429 when over about one message per second per channel, with Retry-After.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from careloop.alerts.channel import Outcome, Result, Target, http_outcome, short
from careloop.alerts.message import AlertMessage, Severity
from careloop.integrations.outgoing import post

MARKS = {
    Severity.CRITICAL: ":red_circle:",
    Severity.WARNING: ":large_orange_circle:",
    Severity.INFO: ":large_blue_circle:",
    Severity.RESOLVED: ":large_green_circle:",
}
HEADER_MOST = 150
SECTION_MOST = 3000
FIELDS_MOST = 10


def escape(text: str) -> str:
    """Slack's escaping of mrkdwn and text: &, < and > (the ampersand first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def blocks(message: AlertMessage) -> list[dict[str, Any]]:
    """Header, summary, key figures as fields, labels as context, buttons to the drill-down
    and to acknowledge."""
    out: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(message.title, HEADER_MOST)},
        }
    ]
    mark = f"{MARKS[message.severity]} *{message.severity.value.upper()}*"
    summary = f"{mark}\n{escape(message.summary)}" if message.summary else mark
    out.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(summary, SECTION_MOST)}})
    if message.figures:
        out.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{escape(f.label)}*\n{escape(f.value)}"}
                    for f in message.figures[:FIELDS_MOST]
                ],
            }
        )
    if message.labels:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(message.labels.items()))
        out.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": _cut(escape(labels), 2000)}],
            }
        )
    buttons = []
    if message.drill_url:
        buttons.append(_button("Details", message.drill_url, "drill", primary=True))
    if message.ack_url:
        buttons.append(_button("Acknowledge", message.ack_url, "acknowledge", primary=False))
    if buttons:
        out.append({"type": "actions", "elements": buttons})
    return out


def _button(label: str, url: str, action_id: str, *, primary: bool) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "url": url,
        "action_id": action_id,
    }
    if primary:
        button["style"] = "primary"
    return button


def body(message: AlertMessage) -> dict[str, Any]:
    """The webhook body: blocks, and `text` for notifications and clients without blocks."""
    text = f"[{message.severity.value.upper()}] {message.title}"
    return {"text": escape(text), "blocks": blocks(message)}


def classify(status: int, headers: Mapping[str, str], text: str, now: datetime) -> Outcome:
    """200 is delivered; 429 and 5xx are retried (with Retry-After); the documented 4xx
    answers (invalid_payload, action_prohibited, channel_not_found, channel_is_archived, ...)
    are permanent."""
    if status == 200:
        return Outcome(Result.DELIVERED, status)
    return http_outcome(status, headers, now, f"HTTP {status}: {short(text)}")


def send(
    client: httpx.Client, target: Target, message: AlertMessage, key: str, now: datetime
) -> Outcome:
    """Post the blocks to the channel's incoming webhook URL."""
    del key  # incoming webhooks take no idempotency key; the outbox sends each key once
    raw = json.dumps(body(message), ensure_ascii=False).encode()
    answer = post(client, target.url, raw, {})
    if isinstance(answer, Outcome):
        return answer
    return classify(answer.status_code, answer.headers, answer.text, now)
