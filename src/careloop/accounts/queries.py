"""Read side of accounts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from careloop.accounts.tables import ApiToken, User
from careloop.storage.engine import Database


def list_users(db: Database) -> Sequence[User]:
    with db.read() as s:
        return s.scalars(select(User).order_by(User.name)).all()


def list_tokens(db: Database) -> Sequence[ApiToken]:
    with db.read() as s:
        return s.scalars(select(ApiToken).order_by(ApiToken.id.desc())).all()


def user_by_id(db: Database, user_id: int) -> User | None:
    with db.read() as s:
        return s.get(User, user_id)


def count_users(db: Database) -> int:
    from sqlalchemy import func

    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(User)) or 0)
