"""Routing policies over JSON: everyone's default and a team's own (strategy, language
fallback, hand-off of unopened and answered tickets). Reading needs WORKFORCE_READ, changing
ROUTING_MANAGE."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, PathId, require
from careloop.routing import policy
from careloop.routing.schemas import DefaultPolicyIn, PoliciesOut, PolicyOut, TeamPolicyIn

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])

Reader = Annotated[Principal, Depends(require(Permission.WORKFORCE_READ))]
Manager = Annotated[Principal, Depends(require(Permission.ROUTING_MANAGE))]


@router.get("/policies", response_model=PoliciesOut)
def list_policies(_: Reader, db: DB) -> PoliciesOut:
    """The default policy (the built-in one until stored) and the teams' own, by team id."""
    default, teams = policy.list_policies(db)
    return PoliciesOut(
        default=PolicyOut.unset_default() if default is None else PolicyOut.of(default),
        teams=[PolicyOut.of(t) for t in teams],
    )


@router.put("/policies/default", response_model=PolicyOut)
def put_default(body: DefaultPolicyIn, principal: Manager, db: DB, now: Now) -> PolicyOut:
    """Replace everyone's policy; settings left out take their defaults."""
    row = policy.set_policy(
        db, actor=principal.actor, now=now, team_id=None, data=body.model_dump(mode="json")
    )
    return PolicyOut.of(row)


@router.put("/policies/teams/{team_id}", response_model=PolicyOut)
def put_team(
    team_id: PathId, body: TeamPolicyIn, principal: Manager, db: DB, now: Now
) -> PolicyOut:
    """Replace a team's own policy (404 for an unknown team). It decides its agents' hand-off,
    and the strategy when every eligible agent is in the team; the fallback stays everyone's."""
    row = policy.set_policy(
        db, actor=principal.actor, now=now, team_id=team_id, data=body.model_dump(mode="json")
    )
    return PolicyOut.of(row)


@router.delete("/policies/teams/{team_id}", status_code=204)
def delete_team(team_id: PathId, principal: Manager, db: DB, now: Now) -> None:
    """Remove a team's own policy so the default applies to it again; 204 also when it had
    none, 404 for an unknown team."""
    policy.delete_team_policy(db, actor=principal.actor, now=now, team_id=team_id)
