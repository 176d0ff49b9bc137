"""Request and response models of the routing policies API. A PUT replaces the whole policy:
settings left out take their defaults."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from careloop.routing.model import Strategy
from careloop.routing.policy import MAX_FALLBACK_LANGUAGES, MAX_SECONDS, MIN_UNOPENED_SECONDS
from careloop.routing.tables import RoutingPolicyRow
from careloop.tickets.schemas import LanguageCode, Strict

Seconds = Annotated[int, Field(ge=0, le=MAX_SECONDS)]
UnopenedSeconds = Annotated[int, Field(ge=MIN_UNOPENED_SECONDS, le=MAX_SECONDS)]


class TeamPolicyIn(Strict):
    """A team's own policy: how to choose among its agents and when they hand tickets back."""

    strategy: Strategy = Strategy.LEAST_LOADED
    unopened_after_seconds: UnopenedSeconds | None = None
    keep_answered: bool = True


class DefaultPolicyIn(TeamPolicyIn):
    """Everyone's policy, with the language fallback."""

    fallback_languages: Annotated[list[LanguageCode], Field(max_length=MAX_FALLBACK_LANGUAGES)] = (
        Field(default_factory=lambda: ["en"])
    )
    fallback_after_seconds: Seconds = 600


class PolicyOut(BaseModel):
    """A policy; a team's has no fallback of its own (null: the default's applies)."""

    team_id: int | None
    strategy: Strategy
    fallback_languages: list[str] | None
    fallback_after_seconds: int | None
    unopened_after_seconds: int | None
    keep_answered: bool
    updated_at: datetime | None

    @classmethod
    def of(cls, row: RoutingPolicyRow) -> PolicyOut:
        team = row.team_id is not None
        return cls(
            team_id=row.team_id,
            strategy=Strategy(row.strategy),
            fallback_languages=None if team else list(row.fallback_languages),
            fallback_after_seconds=None if team else row.fallback_after_seconds,
            unopened_after_seconds=row.unopened_after_seconds,
            keep_answered=row.keep_answered,
            updated_at=row.updated_at,
        )

    @classmethod
    def unset_default(cls) -> PolicyOut:
        """The default policy before anyone stored one: the built-in defaults."""
        return cls.of_input(DefaultPolicyIn())

    @classmethod
    def of_input(cls, data: DefaultPolicyIn) -> PolicyOut:
        return cls(
            team_id=None,
            strategy=data.strategy,
            fallback_languages=list(data.fallback_languages),
            fallback_after_seconds=data.fallback_after_seconds,
            unopened_after_seconds=data.unopened_after_seconds,
            keep_answered=data.keep_answered,
            updated_at=None,
        )


class PoliciesOut(BaseModel):
    default: PolicyOut
    teams: list[PolicyOut]
