"""/alerts/demo-inbox shows what the demo group chats received, newest first, as cards with the
severity, the key figures and the links, in English and in Chinese."""

from __future__ import annotations

from datetime import timedelta

from careloop.accounts.model import Role
from careloop.alerts.message import AlertMessage, Figure, Severity
from careloop.demo import inbox
from careloop.integrations import webhook


def _deliver(db, clock, slug, title, severity, key):
    secret = inbox.ensure_inbox(db, slug=slug, title=slug.title(), now=clock.now())
    message = AlertMessage(
        title=title,
        severity=severity,
        figures=(Figure("complaints", "37"), Figure("Threshold", "> 5")),
        labels={"category": "quality", "sku": "WIG-1"},
        drill_url="http://127.0.0.1:8000/views/tickets?sku=WIG-1",
        ack_url="http://127.0.0.1:8000/alerts/acknowledge?token=abc",
    )
    raw, headers = webhook.request(message, key, secret=secret, now=clock.now())
    inbox.receive(
        db,
        slug=slug,
        raw=raw,
        timestamp=headers[webhook.TIMESTAMP_HEADER],
        signature=headers[webhook.SIGNATURE_HEADER],
        key=key,
        now=clock.now(),
    )


def test_the_chats_show_their_cards_newest_first(db, clock, make_user, sign_in):
    _deliver(db, clock, "production-line", "Older batch alert", Severity.WARNING, "k1")
    clock.advance(timedelta(minutes=5))
    _deliver(db, clock, "production-line", "Newer batch alert", Severity.CRITICAL, "k2")
    _deliver(db, clock, "logistics", "Aramex in NG", Severity.CRITICAL, "k3")
    browser = sign_in(make_user(Role.VIEWER))

    page = browser.get("/alerts/demo-inbox")

    assert page.status_code == 200
    line = page.text.split('id="chat-production-line"')[1].split("</section>")[0]
    assert line.index("Newer batch alert") < line.index("Older batch alert")
    assert "2 messages" in line and "sev-critical" in line and "sev-warning" in line
    assert "Threshold" in line and "&gt; 5" in line
    assert 'href="http://127.0.0.1:8000/alerts/acknowledge?token=abc"' in line
    assert 'href="http://127.0.0.1:8000/views/tickets?sku=WIG-1"' in line
    road = page.text.split('id="chat-logistics"')[1].split("</section>")[0]
    assert "Aramex in NG" in road and "Older batch alert" not in road

    chinese = browser.get("/alerts/demo-inbox?lang=zh_Hans")
    assert chinese.status_code == 200 and 'lang="zh' in chinese.text
    assert "Newer batch alert" in chinese.text
    assert ">确认</a>" in chinese.text and "预警" in chinese.text  # acknowledge; warning


def test_the_page_needs_a_reader_of_alerts(db, clock, client):
    assert client.get("/alerts/demo-inbox", follow_redirects=False).status_code in (302, 303, 401)
