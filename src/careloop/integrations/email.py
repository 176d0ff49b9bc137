"""E-mail over SMTP: the alert message as a text and an HTML part, sent with smtplib (optional
STARTTLS and login), and the server's reply read as delivered, retry or permanent failure.

SMTP replies (RFC 5321 4.2.1): 2yz accepted; 4yz a transient failure, tried again later; 5yz a
permanent one. A timeout or a connection that cannot be made is transient too. The receiver's
settings: host, port, starttls, username, sender, recipients; its secret is the password.
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from careloop.alerts.channel import Outcome, Result, Target, short
from careloop.alerts.message import AlertMessage

COLOURS = {"critical": "#c62828", "warning": "#ef6c00", "info": "#1565c0", "resolved": "#2e7d32"}


def html_part(message: AlertMessage) -> str:
    """The HTML body: a coloured title, the summary, a table of key figures, links."""
    colour = COLOURS[message.severity.value]
    e = html.escape
    rows = "".join(
        f"<tr><th align='left'>{e(f.label)}</th><td>{e(f.value)}</td></tr>" for f in message.figures
    )
    links = []
    if message.drill_url:
        links.append(f"<a href='{e(message.drill_url)}'>Details</a>")
    if message.ack_url:
        links.append(f"<a href='{e(message.ack_url)}'>Acknowledge</a>")
    labels = ", ".join(f"{k}={v}" for k, v in sorted(message.labels.items()))
    return (
        "<html><body>"
        f"<h2 style='color:{colour}'>[{e(message.severity.value.upper())}] {e(message.title)}</h2>"
        + (f"<p>{e(message.summary)}</p>" if message.summary else "")
        + (f"<table>{rows}</table>" if rows else "")
        + (f"<p><small>{e(labels)}</small></p>" if labels else "")
        + (f"<p>{' | '.join(links)}</p>" if links else "")
        + "</body></html>"
    )


def compose(target: Target, message: AlertMessage, key: str, now: datetime) -> EmailMessage:
    """The e-mail, with a Message-ID derived from the notification key, so a mail client or
    server can recognise a repeat."""
    settings = target.settings
    mail = EmailMessage()
    mail["Subject"] = f"[{message.severity.value.upper()}] {message.title}"
    mail["From"] = str(settings["sender"])
    mail["To"] = ", ".join(str(r) for r in settings["recipients"])
    mail["Date"] = format_datetime(now)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    mail["Message-ID"] = f"<{digest}@careloop.alerts>"
    mail["X-Careloop-Key"] = key
    mail.set_content(message.plain_text())
    mail.add_alternative(html_part(message), subtype="html")
    return mail


def _reply(code: int, text: str) -> Outcome:
    result = Result.RETRY if 400 <= code < 500 else Result.FAILED
    return Outcome(result, code, f"SMTP {code}: {short(text)}")


def send(
    target: Target, message: AlertMessage, key: str, now: datetime, *, timeout: float
) -> Outcome:
    """Send to every recipient in one SMTP transaction."""
    settings = target.settings
    mail = compose(target, message, key, now)
    try:
        with smtplib.SMTP(
            str(settings["host"]), int(settings.get("port") or 25), timeout=timeout
        ) as smtp:
            if settings.get("starttls"):
                smtp.starttls(context=ssl.create_default_context())
            if settings.get("username"):
                smtp.login(str(settings["username"]), target.secret or "")
            refused = smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        replies = list(exc.recipients.values())
        code = min(replies)[0] if replies else 550
        text = "; ".join(f"{c} {m.decode(errors='replace')}" for c, m in replies)
        return _reply(code, text)
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return _reply(exc.smtp_code, str(text))
    except smtplib.SMTPNotSupportedError as exc:
        return Outcome(Result.FAILED, None, f"SMTP: {exc}")
    except (smtplib.SMTPException, OSError) as exc:
        # Disconnected, timed out, refused connection, TLS failure: try again later.
        return Outcome(Result.RETRY, None, f"SMTP: {type(exc).__name__}: {short(str(exc))}")
    if refused:
        # Some recipients took it: sending again would repeat it to them.
        listed = ", ".join(f"{r} ({c})" for r, (c, _) in refused.items())
        return Outcome(Result.DELIVERED, 250, f"refused by some recipients: {short(listed)}")
    return Outcome(Result.DELIVERED, 250)
