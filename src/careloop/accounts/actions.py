"""State changes of accounts: users, passwords, tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from careloop import validation
from careloop.accounts.model import Principal, Role
from careloop.accounts.tables import ApiToken, User
from careloop.errors import Conflict, Invalid, NotFound, Unauthenticated
from careloop.storage import audit
from careloop.storage.audit import Actor
from careloop.storage.engine import Database, lost_connection

_hasher = PasswordHasher()
TOKEN_PREFIX = "clt_"  # noqa: S105  (a visible prefix, not a secret)
# A hash to verify against when the user does not exist, so timing does not reveal who exists.
_DUMMY_HASH = _hasher.hash("careloop-not-a-password")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    db: Database,
    *,
    actor: Actor,
    now: datetime,
    email: str,
    name: str,
    role: Role,
    password: str | None,
    timezone: str = "UTC",
    locale: str = "en",
) -> User:
    with db.write() as s:
        return create_user_in(
            s,
            actor=actor,
            now=now,
            email=email,
            name=name,
            role=role,
            password=password,
            timezone=timezone,
            locale=locale,
        )


def create_user_in(
    s: Session,
    *,
    actor: Actor,
    now: datetime,
    email: str,
    name: str,
    role: Role,
    password: str | None,
    timezone: str = "UTC",
    locale: str = "en",
) -> User:
    """Create a user inside the caller's transaction (an agent is a user and its profile)."""
    email = validation.email(email)
    validation.timezone(timezone)
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("a user needs a name of 1 to 200 characters", {"field": "name"})
    if password is not None and len(password) < 8:
        raise Invalid("password must have at least 8 characters", {"field": "password"})
    if s.scalar(select(User.id).where(func.lower(User.email) == email.lower())) is not None:
        raise Conflict(f"a user with e-mail {email} exists", {"field": "email"})
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=_hasher.hash(password) if password else None,
        timezone=timezone,
        locale=locale,
        active=True,
        created_at=now,
    )
    s.add(user)
    s.flush()
    audit.record(
        s,
        at=now,
        actor=actor,
        entity_type="user",
        entity_id=user.id,
        action="created",
        changes={"email": (None, email), "role": (None, role.value)},
    )
    return user


def authenticate_password(db: Database, email: str, password: str) -> Principal:
    with db.read() as s:
        user = s.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    stored = user.password_hash if user is not None and user.active else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated("wrong e-mail or password") from None
    if user is None or stored is None:
        raise Unauthenticated("wrong e-mail or password")
    return principal_for_user(user)


def principal_for_user(user: User) -> Principal:
    return Principal(
        user_id=user.id, name=user.name, role=user.role, timezone=user.timezone, locale=user.locale
    )


@dataclass(frozen=True)
class IssuedToken:
    """A token as shown once to its creator; only its hash is stored."""

    id: int
    name: str
    role: Role
    token: str


def create_token(
    db: Database, *, actor: Actor, now: datetime, name: str, role: Role
) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a token needs a name of 1 to 100 characters", {"field": "name"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.write() as s:
        row = ApiToken(
            name=name,
            role=role,
            token_hash=hash_token(token),
            prefix=token[:10],
            created_by_id=actor.user_id,
            created_at=now,
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            at=now,
            actor=actor,
            entity_type="api_token",
            entity_id=row.id,
            action="created",
            changes={"name": (None, name), "role": (None, role.value)},
        )
        return IssuedToken(id=row.id, name=name, role=role, token=token)


def revoke_token(db: Database, *, actor: Actor, now: datetime, token_id: int) -> None:
    with db.write() as s:
        row = s.get(ApiToken, token_id)
        if row is None or row.revoked_at is not None:
            raise NotFound(f"no active token {token_id}")
        row.revoked_at = now
        audit.record(
            s, at=now, actor=actor, entity_type="api_token", entity_id=row.id, action="revoked"
        )


_TOKEN_BY_HASH = select(
    ApiToken.id,
    ApiToken.token_hash,
    ApiToken.revoked_at,
    ApiToken.created_by_id,
    ApiToken.name,
    ApiToken.role,
).where(ApiToken.token_hash == bindparam("digest"))


def authenticate_token(db: Database, token: str) -> Principal:
    """The caller a bearer token stands for, read on every API request: the columns it needs
    (not the mapped row), in a statement built once; a read that lost its connection to a
    restarted server is made once more."""
    digest = hash_token(token)
    for attempt in range(2):
        try:
            row = db.read_row(_TOKEN_BY_HASH, {"digest": digest})
            break
        except DBAPIError as exc:
            if attempt == 1 or not lost_connection(exc):
                raise
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        raise Unauthenticated("unknown or revoked API token")
    return Principal(user_id=row.created_by_id, name=row.name, role=row.role, token_id=row.id)
