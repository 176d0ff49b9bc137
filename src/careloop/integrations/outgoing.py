"""Outgoing HTTP for the alert channels: one POST with explicit timeouts, where a timeout or a
connection that cannot be made becomes a transient outcome instead of an exception."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from careloop.alerts.channel import Outcome, Result

CONNECT_SECONDS = 3.0
READ_SECONDS = 10.0
USER_AGENT = "careloop-alerts/1"


def timeout(total: float = READ_SECONDS) -> httpx.Timeout:
    """Connect within min(3 s, total); read, write and wait for a pooled connection `total`."""
    return httpx.Timeout(total, connect=min(CONNECT_SECONDS, total))


def post(
    client: httpx.Client, url: str | None, body: bytes, headers: Mapping[str, str]
) -> httpx.Response | Outcome:
    """POST `body` as JSON; the answer, or a retry outcome for a timeout or a network error
    (nothing listening, a reset, DNS). Redirects are not followed: a moved hook is a fault."""
    if not url:
        return Outcome(Result.FAILED, None, "the receiver has no URL")
    try:
        return client.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            follow_redirects=False,
        )
    except httpx.TimeoutException as exc:
        return Outcome(Result.RETRY, None, f"timed out: {type(exc).__name__}")
    except httpx.TransportError as exc:
        return Outcome(Result.RETRY, None, f"no connection: {type(exc).__name__}: {exc}")
