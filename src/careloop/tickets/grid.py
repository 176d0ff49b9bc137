"""The grid views' read side: rows of a spec in its order with keyset cursors, counts per
group (one SQL GROUP BY), the total, and every row streamed for an export.

The order is the group columns, then the chosen sorts, then the id (newest first), each with
empty values last, so a cursor (the last row's keys) never skips or repeats a row.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import (
    Select,
    SQLColumnExpression,
    and_,
    case,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from careloop.errors import Invalid
from careloop.storage.engine import Database
from careloop.tickets.grid_columns import ID_COLUMN, GridColumn, base_select
from careloop.tickets.grid_spec import Filter, GridSpec
from careloop.tickets.tables import TicketTag

MAX_PAGE = 200
MAX_GROUPS_SHOWN = 500
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class GridRow:
    """One row: the entity's id and the value of each chosen column (money as (amount,
    currency), tags as a list)."""

    id: int
    values: dict[str, Any]
    groups: tuple[Any, ...] = ()  # the plain values of the group columns


@dataclass(frozen=True)
class GroupCount:
    values: tuple[Any, ...]  # one plain value (code or text, None when empty) per group column
    count: int


@dataclass(frozen=True)
class _Key:
    expr: SQLColumnExpression[Any]
    descending: bool
    decode: Callable[[Any], Any]


def plain(value: Any) -> Any:
    """A value as a page, a group or JSON shows it: codes of enums, the rest unchanged."""
    return value.value if isinstance(value, Enum) else value


def _bind(column: GridColumn, raw: str) -> Any:
    if column.kind in ("id", "number"):
        return int(raw)
    if column.kind == "instant":
        return datetime.fromisoformat(raw)
    if column.kind == "enum" and column.enum is not None:
        return column.enum(raw)
    return raw


def _tag_exists(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(TicketTag.ticket_id == ID_COLUMN["tickets"], *conditions)


def _condition(column: GridColumn, f: Filter) -> ColumnElement[bool]:
    if column.kind == "tags":
        if f.op == "empty":
            return ~_tag_exists()
        if f.op == "filled":
            return _tag_exists()
        return _tag_exists(TicketTag.tag.in_(list(f.values)))
    expr = column.expr
    empty: ColumnElement[bool] = expr.is_(None)
    if column.kind == "text":
        empty = or_(expr.is_(None), expr == "")
    values = [_bind(column, v) for v in f.values]
    result: ColumnElement[bool]
    match f.op:
        case "eq":
            result = expr == values[0]
            return result
        case "in":
            return expr.in_(values)
        case "contains":
            text = str(values[0]).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return expr.ilike(f"%{text}%", escape="\\")
        case "before":
            result = expr < values[0]
            return result
        case "after":
            result = expr >= values[0]
            return result
        case "empty":
            return empty
        case "filled":
            return ~empty
    raise Invalid(f"unknown operator {f.op!r}", {"field": "filters"})  # pragma: no cover


def filter_conditions(spec: GridSpec) -> list[ColumnElement[bool]]:
    return [_condition(spec.column(f.column), f) for f in spec.filters]


def joins_for(spec: GridSpec, keys: Sequence[str]) -> set[str]:
    wanted = {*keys, *(f.column for f in spec.filters)}
    return {j for k in wanted for j in spec.column(k).joins}


def _int(value: Any) -> int:
    """A cursor's whole number, bounded so a forged one cannot overflow the database's."""
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 2**31:
        raise ValueError(value)
    return value


def _decoder(column: GridColumn) -> Callable[[Any], Any]:
    if column.rank is not None or column.kind in ("id", "number"):
        return lambda v: None if v is None else _int(v)
    if column.kind == "instant":
        return lambda v: None if v is None else _aware(v)
    if column.kind == "money":
        return lambda v: None if v is None else Decimal(_text(v))
    if column.kind == "enum" and column.enum is not None:
        members = column.enum
        return lambda v: None if v is None else members(v)
    return lambda v: None if v is None else _text(v)


def _aware(value: Any) -> datetime:
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(value)
    return instant


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _order_keys(spec: GridSpec) -> list[_Key]:
    """Group columns ascending, then the sorts, then the id; empty values last for each."""
    wanted = [(key, False) for key in spec.group_by]
    wanted += [(s.column, s.descending) for s in spec.sorts if s.column not in spec.group_by]
    keys: list[_Key] = []
    for key, descending in wanted:
        column = spec.column(key)
        if key != "id":
            flag = case((column.sort_expr.is_(None), 1), else_=0)
            keys.append(_Key(flag, False, _int))
        keys.append(_Key(column.sort_expr, descending, _decoder(column)))
    if "id" not in {k for k, _ in wanted}:
        keys.append(_Key(ID_COLUMN[spec.entity], True, _int))
    return keys


def _fingerprint(spec: GridSpec) -> str:
    order = [spec.entity, *spec.group_by, *(s.param() for s in spec.sorts)]
    return hashlib.sha256("|".join(order).encode()).hexdigest()[:12]


def _encode(spec: GridSpec, values: Sequence[Any]) -> str:
    def safe(v: Any) -> Any:
        v = plain(v)
        if isinstance(v, datetime):
            return v.isoformat()
        return str(v) if isinstance(v, Decimal) else v

    raw = json.dumps([_fingerprint(spec), [safe(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(spec: GridSpec, keys: Sequence[_Key], cursor: str) -> list[Any]:
    bad = Invalid("the cursor is not one this view gave out", {"param": "cursor"})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        mark, values = json.loads(raw)
        if mark != _fingerprint(spec) or len(values) != len(keys):
            raise bad
        return [key.decode(v) for key, v in zip(keys, values, strict=True)]
    except (ValueError, TypeError, ArithmeticError, binascii.Error, UnicodeDecodeError):
        raise bad from None


def _after(keys: Sequence[_Key], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after the given keys in this order (a lexicographic comparison)."""
    options = []
    for i, key in enumerate(keys):
        same = [k.expr.is_not_distinct_from(v) for k, v in zip(keys[:i], values[:i], strict=True)]
        if values[i] is None:
            continue  # nothing sorts after an empty value within the same flag
        beyond = key.expr < values[i] if key.descending else key.expr > values[i]
        options.append(and_(*same, beyond) if same else beyond)
    return or_(*options) if options else false()


def _rows_select(spec: GridSpec, keys: Sequence[_Key]) -> Select[Any]:
    shown = [c for c in spec.columns if spec.column(c).kind != "tags"]
    wanted = [*spec.columns, *spec.group_by, *_sorted(spec)]
    stmt = base_select(spec.entity, joins_for(spec, wanted))
    labelled: list[ColumnElement[Any]] = [ID_COLUMN[spec.entity].label("_id")]
    for key in shown:
        column = spec.column(key)
        labelled.append(column.expr.label(key))
        if column.currency is not None:
            labelled.append(column.currency.label(f"{key}__currency"))
    labelled += [k.expr.label(f"_k{i}") for i, k in enumerate(keys)]
    labelled += [spec.column(g).expr.label(f"_g{i}") for i, g in enumerate(spec.group_by)]
    stmt = stmt.add_columns(*labelled).where(*filter_conditions(spec) or [true()])
    return stmt.order_by(*(k.expr.desc() if k.descending else k.expr.asc() for k in keys))


def _sorted(spec: GridSpec) -> list[str]:
    return [s.column for s in spec.sorts]


def _grid_row(spec: GridSpec, row: Any, tags: dict[int, list[str]]) -> GridRow:
    values: dict[str, Any] = {}
    mapping = row._mapping
    for key in spec.columns:
        column = spec.column(key)
        if column.kind == "tags":
            values[key] = tags.get(mapping["_id"], [])
        elif column.currency is not None:
            values[key] = (mapping[key], mapping[f"{key}__currency"])
        else:
            values[key] = mapping[key]
    groups = tuple(plain(mapping[f"_g{i}"]) for i in range(len(spec.group_by)))
    return GridRow(id=mapping["_id"], values=values, groups=groups)


def _tags_of(db: Database, spec: GridSpec, ids: Sequence[int]) -> dict[int, list[str]]:
    if "tags" not in spec.columns or not ids:
        return {}
    out: dict[int, list[str]] = {}
    with db.read() as s:
        rows = s.execute(
            select(TicketTag.ticket_id, TicketTag.tag)
            .where(TicketTag.ticket_id.in_(list(ids)))
            .order_by(TicketTag.ticket_id, TicketTag.tag)
        )
        for ticket_id, tag in rows:
            out.setdefault(ticket_id, []).append(tag)
    return out


def grid_rows(
    db: Database, spec: GridSpec, *, limit: int = 50, cursor: str | None = None
) -> tuple[list[GridRow], str | None]:
    """One page of rows in the spec's order and the cursor of the next (None at the end)."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", {"param": "limit"})
    keys = _order_keys(spec)
    stmt = _rows_select(spec, keys)
    if cursor:
        stmt = stmt.where(_after(keys, _decode(spec, keys, cursor)))
    with db.read() as s:
        fetched = list(s.execute(stmt.limit(limit + 1)))
    more = len(fetched) > limit
    fetched = fetched[:limit]
    tags = _tags_of(db, spec, [r._mapping["_id"] for r in fetched])
    rows = [_grid_row(spec, r, tags) for r in fetched]
    next_cursor = None
    if more and fetched:
        last = fetched[-1]._mapping
        next_cursor = _encode(spec, [last[f"_k{i}"] for i in range(len(keys))])
    return rows, next_cursor


def grid_total(db: Database, spec: GridSpec) -> int:
    """How many rows match the filters."""
    stmt = base_select(spec.entity, joins_for(spec, [])).add_columns(func.count())
    with db.read() as s:
        return int(s.scalar(stmt.where(*filter_conditions(spec) or [true()])) or 0)


def grid_groups(
    db: Database, spec: GridSpec, *, limit: int = MAX_GROUPS_SHOWN
) -> tuple[list[GroupCount], bool]:
    """Counts per group (per pair of values with two group columns) in the rows' order, and
    whether more groups than `limit` exist."""
    if not spec.group_by:
        return [], False
    exprs = [spec.column(k).expr for k in spec.group_by]
    sort_exprs = [spec.column(k).sort_expr for k in spec.group_by]
    stmt = base_select(spec.entity, joins_for(spec, list(spec.group_by)))
    stmt = stmt.add_columns(*exprs, func.count()).where(*filter_conditions(spec) or [true()])
    stmt = stmt.group_by(*exprs)
    order: list[SQLColumnExpression[Any]] = []
    for e in sort_exprs:
        order += [case((e.is_(None), 1), else_=0), e]
    with db.read() as s:
        rows = list(s.execute(stmt.order_by(*order).limit(limit + 1)))
    groups = [
        GroupCount(tuple(plain(v) for v in row[: len(exprs)]), int(row[len(exprs)]))
        for row in rows[:limit]
    ]
    return groups, len(rows) > limit


def iter_grid_rows(db: Database, spec: GridSpec, *, chunk: int = EXPORT_CHUNK) -> Iterator[GridRow]:
    """Every matching row in order, streamed from one query in chunks (a server-side cursor on
    PostgreSQL), so an export of hundreds of thousands of rows never holds them all."""
    keys = _order_keys(spec)
    stmt = _rows_select(spec, keys).execution_options(yield_per=chunk)
    with db.read() as s:
        for part in s.execute(stmt).partitions():
            tags = _tags_of(db, spec, [r._mapping["_id"] for r in part])
            for row in part:
                yield _grid_row(spec, row, tags)
