"""Users and API tokens over JSON (admin only), and who the caller is."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from careloop.accounts import actions, queries
from careloop.accounts.model import Permission, Principal, Role
from careloop.api.deps import DB, Now, PathId, bearer_principal, require
from careloop.tickets.schemas import Email, ShortText, Strict, TimeZone

router = APIRouter(prefix="/api/v1", tags=["accounts"])

Admin = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
TokenAdmin = Annotated[Principal, Depends(require(Permission.TOKENS_MANAGE))]


class Me(BaseModel):
    name: str
    role: Role
    user_id: int | None
    token_id: int | None


class UserCreate(Strict):
    email: Email
    name: ShortText
    role: Role
    password: Annotated[str, Field(min_length=8, max_length=200)]
    timezone: TimeZone = "UTC"
    locale: Annotated[str, Field(pattern=r"^(en|zh_Hans)$")] = "en"


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    timezone: str
    locale: str
    active: bool
    created_at: datetime


class TokenCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    role: Role


class TokenIssued(BaseModel):
    id: int
    name: str
    role: Role
    token: str = Field(description="shown once; only its hash is stored")


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


@router.get("/me", response_model=Me)
def me(principal: Annotated[Principal, Depends(bearer_principal)]) -> Me:
    return Me(
        name=principal.name,
        role=principal.role,
        user_id=principal.user_id,
        token_id=principal.token_id,
    )


@router.get("/users", response_model=list[UserOut])
def list_users(_: Admin, db: DB) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in queries.list_users(db)]


@router.post("/users", status_code=201, response_model=UserOut)
def create_user(body: UserCreate, principal: Admin, db: DB, now: Now) -> UserOut:
    user = actions.create_user(
        db,
        actor=principal.actor,
        now=now,
        email=body.email,
        name=body.name,
        role=body.role,
        password=body.password,
        timezone=body.timezone,
        locale=body.locale,
    )
    return UserOut.model_validate(user)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(_: TokenAdmin, db: DB) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in queries.list_tokens(db)]


@router.post("/tokens", status_code=201, response_model=TokenIssued)
def create_token(body: TokenCreate, principal: TokenAdmin, db: DB, now: Now) -> TokenIssued:
    issued = actions.create_token(
        db, actor=principal.actor, now=now, name=body.name, role=body.role
    )
    return TokenIssued(id=issued.id, name=issued.name, role=issued.role, token=issued.token)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: PathId, principal: TokenAdmin, db: DB, now: Now) -> None:
    actions.revoke_token(db, actor=principal.actor, now=now, token_id=token_id)
