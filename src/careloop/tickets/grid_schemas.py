"""API models of the grid views: a saved view's configuration, the view, its rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from careloop.tickets.grid import GridRow, GroupCount
from careloop.tickets.grid_spec import MAX_COLUMNS, MAX_FILTERS, MAX_GROUPS, MAX_SORTS, GridSpec
from careloop.tickets.schemas import Strict
from careloop.tickets.tables import SavedView

Key = Annotated[str, Field(min_length=1, max_length=40)]
Value = Annotated[str, Field(max_length=200)]
TeamId = Annotated[int, Field(ge=1, le=2_147_483_647)]


class FilterIn(Strict):
    column: Key
    op: Literal["eq", "in", "contains", "before", "after", "empty", "filled"]
    values: list[Value] = Field(default_factory=list, max_length=50)


class SortIn(Strict):
    column: Key
    descending: bool = False


class GridConfig(Strict):
    """Columns, filters (`before`/`after` take ISO instants; a bare date is UTC midnight),
    sorts and up to two group columns; each is checked against the entity's catalogue."""

    columns: Annotated[list[Key], Field(min_length=1, max_length=MAX_COLUMNS)]
    filters: list[FilterIn] = Field(default_factory=list, max_length=MAX_FILTERS)
    sorts: list[SortIn] = Field(default_factory=list, max_length=MAX_SORTS)
    group_by: list[Key] = Field(default_factory=list, max_length=MAX_GROUPS)


class ViewCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    entity: Literal["tickets", "orders"]
    config: GridConfig
    team_id: TeamId | None = None  # shared with this team; none: only its owner


class ViewUpdate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    config: GridConfig | None = None
    team_id: TeamId | None = None  # send null to stop sharing


class ViewOut(BaseModel):
    id: int
    name: str
    entity: str
    config: dict[str, Any]
    owner_id: int
    team_id: int | None
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, view: SavedView) -> ViewOut:
        return cls(
            id=view.id,
            name=view.name,
            entity=view.entity,
            config=view.config,
            owner_id=view.owner_id,
            team_id=view.team_id,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class GroupOut(BaseModel):
    values: dict[str, Any]
    count: int


class RowsPage(BaseModel):
    """A page of a view's rows; money is {"amount", "currency"}, instants ISO 8601 in UTC."""

    entity: str
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    groups: list[GroupOut] = []
    next_cursor: str | None = None


def json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        amount, currency = value
        return None if amount is None else {"amount": str(amount), "currency": currency}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def rows_page(
    spec: GridSpec,
    rows: list[GridRow],
    total: int,
    groups: list[GroupCount],
    next_cursor: str | None,
) -> RowsPage:
    return RowsPage(
        entity=spec.entity,
        columns=list(spec.columns),
        rows=[{"id": r.id, **{k: json_value(v) for k, v in r.values.items()}} for r in rows],
        total=total,
        groups=[
            GroupOut(values=dict(zip(spec.group_by, g.values, strict=True)), count=g.count)
            for g in groups
        ],
        next_cursor=next_cursor,
    )
