"""The team lead's live board over JSON: the queue, who is on duty, service levels at risk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from careloop.accounts.model import Permission, Principal
from careloop.api.deps import DB, Now, QueryId, require
from careloop.routing import board
from careloop.routing.board_schemas import BoardOut

router = APIRouter(prefix="/api/v1", tags=["routing"])

Lead = Annotated[Principal, Depends(require(Permission.ROUTING_BOARD))]


@router.get("/board", response_model=BoardOut)
def live_board(
    _: Lead,
    db: DB,
    now: Now,
    team_id: QueryId = None,
    language: Annotated[str | None, Query(max_length=8)] = None,
) -> BoardOut:
    """The waiting queue by language, category and channel (with the oldest wait and how many
    agents on duty could take it now), the agents on duty with load and capacity, and tickets
    whose SLA is at risk (due within 30 minutes) or breached. `team_id` narrows the agents,
    `language` the tickets and agents."""
    return BoardOut.model_validate(board.board(db, now=now, team_id=team_id, language=language))
