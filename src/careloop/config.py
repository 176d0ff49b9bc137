"""Typed settings read from CARELOOP_* environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_FILE = Path.cwd() / "careloop.db"


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything careloop reads from its environment, with defaults for a laptop."""

    database_url: str = f"sqlite:///{DEFAULT_DB_FILE}"
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    secure_cookies: bool = False
    max_body_bytes: int = 1_000_000
    complaint_webhook_secret: str | None = None
    default_timezone: str = "UTC"
    # Where people reach this careloop: the base of links in alert messages.
    public_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_env(cls) -> Settings:
        defaults = cls()
        return cls(
            database_url=os.environ.get("CARELOOP_DATABASE_URL", defaults.database_url),
            secret_key=os.environ.get("CARELOOP_SECRET_KEY", defaults.secret_key),
            secure_cookies=_env_bool("CARELOOP_SECURE_COOKIES", defaults.secure_cookies),
            max_body_bytes=int(
                os.environ.get("CARELOOP_MAX_BODY_BYTES", str(defaults.max_body_bytes))
            ),
            complaint_webhook_secret=os.environ.get("CARELOOP_COMPLAINT_WEBHOOK_SECRET"),
            default_timezone=os.environ.get("CARELOOP_DEFAULT_TIMEZONE", "UTC"),
            public_url=os.environ.get("CARELOOP_PUBLIC_URL", defaults.public_url).rstrip("/"),
        )
