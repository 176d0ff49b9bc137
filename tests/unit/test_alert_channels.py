"""The alert channels, pure: Feishu's signature and card, Slack's blocks and escaping, the
webhook's HMAC, each provider's answers read as delivered / retry / failed, the retry policy
and the rate-limit window."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from careloop.alerts.channel import (
    BACKOFF_CAP,
    Outcome,
    Result,
    backoff,
    http_outcome,
    next_attempt,
    parse_retry_after,
    rate_wait,
)
from careloop.alerts.message import AlertMessage, Figure, Severity
from careloop.integrations import email, feishu, slack, webhook

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MESSAGE = AlertMessage(
    title="Quality complaints for WIG-BW-16 batch B2610-02",
    severity=Severity.CRITICAL,
    summary="41 complaints per 1,000 delivered in 4 h <above> the threshold of 12 & rising",
    figures=(Figure("Complaints", "37"), Figure("Per 1,000 delivered", "41.2")),
    labels={"sku": "WIG-BW-16", "batch": "B2610-02", "category": "quality"},
    drill_url="https://care.example.com/views/tickets?f=batch:eq:B2610-02",
    ack_url="https://care.example.com/alerts/ack/abc",
)


def hmac_sha256_by_hand(key: bytes, message: bytes) -> bytes:
    """RFC 2104 written out, so the check does not reuse the code it checks."""
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key) + message).digest()
    return hashlib.sha256(bytes(k ^ 0x5C for k in key) + inner).digest()


def test_feishu_signature_matches_an_independent_computation():
    timestamp, secret = 1599360473, "qV2uXk3bDZ8nYp0f"
    expected = base64.b64encode(
        hmac_sha256_by_hand(f"{timestamp}\n{secret}".encode(), b"")
    ).decode()
    assert feishu.sign(timestamp, secret) == expected
    assert feishu.sign(timestamp + 1, secret) != expected
    assert feishu.sign(timestamp, secret + "x") != expected


def test_feishu_body_is_a_signed_interactive_card():
    body = feishu.body(MESSAGE, secret="s3cret", now=NOW)
    timestamp = int(NOW.timestamp())
    assert body["timestamp"] == str(timestamp)
    assert body["sign"] == feishu.sign(timestamp, "s3cret")
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"] == {
        "title": {"tag": "plain_text", "content": MESSAGE.title},
        "template": "red",
    }
    fields = next(e for e in card["elements"] if "fields" in e)["fields"]
    assert [f["text"]["content"] for f in fields] == [
        "Complaints: 37",
        "Per 1,000 delivered: 41.2",
    ]
    buttons = next(e for e in card["elements"] if e["tag"] == "action")["actions"]
    assert [b["url"] for b in buttons] == [MESSAGE.drill_url, MESSAGE.ack_url]
    unsigned = feishu.body(MESSAGE, secret=None, now=NOW)
    assert "sign" not in unsigned and "timestamp" not in unsigned


@pytest.mark.parametrize(
    ("severity", "template"),
    [
        (Severity.CRITICAL, "red"),
        (Severity.WARNING, "orange"),
        (Severity.INFO, "blue"),
        (Severity.RESOLVED, "green"),
    ],
)
def test_feishu_header_colour_follows_severity(severity, template):
    message = AlertMessage(title="t", severity=severity)
    assert feishu.card(message)["header"]["template"] == template


@pytest.mark.parametrize(
    ("status", "answer", "result"),
    [
        (200, {"code": 0, "msg": "success", "data": {}}, Result.DELIVERED),
        (200, {"StatusCode": 0, "StatusMessage": "success"}, Result.DELIVERED),
        (200, {"code": 19021, "msg": "sign match fail"}, Result.FAILED),
        (200, {"code": 19022, "msg": "Ip Not Allowed"}, Result.FAILED),
        (200, {"code": 9499, "msg": "Bad Request"}, Result.FAILED),
        (200, {"code": 11232, "msg": "frequency limited"}, Result.RETRY),
        (400, {"code": 11232, "msg": "frequency limited"}, Result.FAILED),
        (429, {}, Result.RETRY),
        (502, {}, Result.RETRY),
        (404, {}, Result.FAILED),
    ],
)
def test_feishu_answers_are_classified(status, answer, result):
    outcome = feishu.classify(status, {}, json.dumps(answer), NOW)
    assert outcome.result is result
    assert outcome.status_code == status
    if answer.get("code") not in (0, None) and status == 200:
        assert f"code {answer['code']}" in (outcome.error or "")


def test_feishu_rate_limit_waits_and_garbage_is_refused():
    limited = feishu.classify(200, {}, '{"code": 11232, "msg": "frequency limited"}', NOW)
    assert limited.retry_after == feishu.RATE_LIMIT_WAIT
    assert feishu.classify(200, {}, "<html>", NOW).result is Result.FAILED


def test_slack_escapes_the_three_control_characters():
    assert slack.escape("a & b <@U123> >") == "a &amp; b &lt;@U123&gt; &gt;"
    assert slack.escape("&lt;") == "&amp;lt;"  # the ampersand goes first


def test_slack_body_has_blocks_with_escaped_text():
    body = slack.body(MESSAGE)
    text = json.dumps(body)
    assert "<above>" not in text and "&lt;above&gt; the threshold of 12 &amp; rising" in text
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds == ["header", "section", "section", "context", "actions"]
    assert body["blocks"][0]["text"] == {"type": "plain_text", "text": MESSAGE.title}
    urls = [e["url"] for e in body["blocks"][-1]["elements"]]
    assert urls == [MESSAGE.drill_url, MESSAGE.ack_url]
    assert body["text"].startswith("[CRITICAL] Quality complaints")


@pytest.mark.parametrize(
    ("status", "text", "headers", "result", "retry_after"),
    [
        (200, "ok", {}, Result.DELIVERED, None),
        (400, "invalid_payload", {}, Result.FAILED, None),
        (403, "action_prohibited", {}, Result.FAILED, None),
        (404, "channel_not_found", {}, Result.FAILED, None),
        (410, "channel_is_archived", {}, Result.FAILED, None),
        (429, "rate_limited", {"retry-after": "7"}, Result.RETRY, 7.0),
        (500, "rollup_error", {}, Result.RETRY, None),
    ],
)
def test_slack_answers_are_classified(status, text, headers, result, retry_after):
    outcome = slack.classify(status, headers, text, NOW)
    assert (outcome.result, outcome.retry_after) == (result, retry_after)
    if result is not Result.DELIVERED:
        assert text in (outcome.error or "")


def test_webhook_is_signed_over_timestamp_and_body():
    raw, headers = webhook.request(MESSAGE, "fp1:0:7", secret="hook-secret", now=NOW)
    timestamp = headers[webhook.TIMESTAMP_HEADER]
    assert timestamp == str(int(NOW.timestamp()))
    expected = hmac_sha256_by_hand(b"hook-secret", timestamp.encode() + b"." + raw).hex()
    assert headers[webhook.SIGNATURE_HEADER] == "sha256=" + expected
    assert headers["Idempotency-Key"] == "fp1:0:7"
    assert webhook.verify("hook-secret", timestamp, raw, headers[webhook.SIGNATURE_HEADER])
    assert not webhook.verify("hook-secret", timestamp, raw + b" ", expected)
    assert not webhook.verify("other", timestamp, raw, headers[webhook.SIGNATURE_HEADER])
    assert json.loads(raw)["message"] == MESSAGE.to_json()
    _, unsigned = webhook.request(MESSAGE, "k", secret=None, now=NOW)
    assert webhook.SIGNATURE_HEADER not in unsigned


@pytest.mark.parametrize(
    ("status", "result"),
    [(200, Result.DELIVERED), (204, Result.DELIVERED), (301, Result.FAILED), (400, Result.FAILED),
     (401, Result.FAILED), (408, Result.RETRY), (429, Result.RETRY), (500, Result.RETRY),
     (503, Result.RETRY)],
)  # fmt: skip
def test_generic_http_answers(status, result):
    assert http_outcome(status, {}, NOW).result is result


def test_retry_after_as_seconds_or_http_date():
    assert parse_retry_after("120", NOW) == 120.0
    later = "Mon, 02 Nov 2026 09:01:30 GMT"
    assert parse_retry_after(later, NOW) == 90.0
    assert parse_retry_after("Mon, 02 Nov 2026 08:00:00 GMT", NOW) == 0.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None
    outcome = http_outcome(429, {"retry-after": later}, NOW)
    assert outcome.retry_after == 90.0


def test_backoff_is_full_jitter_under_a_growing_ceiling():
    rng = random.Random(7)
    for attempts, ceiling in [(1, 2), (2, 4), (3, 8), (6, 64), (30, BACKOFF_CAP.total_seconds())]:
        waits = [backoff(attempts, rng).total_seconds() for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8 and min(waits) < ceiling * 0.2  # spread over it all


def test_next_attempt_never_comes_before_retry_after():
    rng = random.Random(1)
    asked = Outcome(Result.RETRY, 429, "slow down", retry_after=30)
    assert all(next_attempt(asked, 1, NOW, rng) >= NOW + timedelta(seconds=30) for _ in range(50))
    huge = Outcome(Result.RETRY, 429, "slow down", retry_after=10**9)
    assert next_attempt(huge, 1, NOW, rng) <= NOW + timedelta(hours=1, minutes=5)


def test_rate_wait_counts_the_sends_in_each_window():
    s = timedelta(seconds=1)
    starts = [NOW - 0.5 * s, NOW - 0.2 * s]
    assert rate_wait(starts, NOW, 3, None) is None
    assert rate_wait(starts, NOW, 2, None) == NOW + 0.5 * s  # when the older one leaves
    minute = [NOW - timedelta(seconds=50 - i) for i in range(5)]
    assert rate_wait(minute, NOW, None, 5) == NOW + timedelta(seconds=10)
    assert rate_wait(minute, NOW, None, 6) is None
    assert rate_wait(minute, NOW, None, None) is None


def test_message_round_trips_through_json_and_refuses_garbage():
    assert AlertMessage.from_json(MESSAGE.to_json()) == MESSAGE
    with pytest.raises(ValueError):
        AlertMessage.from_json({"title": "x", "severity": "loud"})
    with pytest.raises(ValueError):
        AlertMessage(title=" ", severity=Severity.INFO)


def test_email_has_a_text_and_an_escaped_html_part():
    from careloop.alerts.channel import Kind, Target

    target = Target(
        1,
        Kind.EMAIL,
        settings={"host": "localhost", "sender": "alerts@example.com", "recipients": ["q@x.io"]},
    )
    mail = email.compose(target, MESSAGE, "fp:1", NOW)
    assert mail["Subject"] == f"[CRITICAL] {MESSAGE.title}"
    assert mail["X-Careloop-Key"] == "fp:1"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Complaints: 37" in text and MESSAGE.ack_url in text
    assert "&lt;above&gt;" in html and "<above>" not in html
