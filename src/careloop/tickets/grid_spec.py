"""What a grid view asks for (columns, filters, sorts, group-by), checked against the catalogue,
and written both as a saved configuration and as a shareable query string.

In a URL: `columns=id,subject`, `f=status:in:new,open` (repeated), `sort=-created,priority`,
`group=brand,status`. Anything unknown is an Invalid (422), never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from careloop import validation
from careloop.errors import Invalid
from careloop.tickets.grid_columns import (
    CATALOGUE,
    DEFAULT_COLUMNS,
    ENTITIES,
    VALUELESS_OPS,
    GridColumn,
)
from careloop.tickets.model import normalise_tag

MAX_COLUMNS = 30
MAX_FILTERS = 20
MAX_SORTS = 3
MAX_GROUPS = 2
MAX_IN_VALUES = 50
MAX_VALUE = 200
MAX_ID = 2_147_483_647


@dataclass(frozen=True)
class Filter:
    """One condition: a column, an operator and its values (normal forms, as text)."""

    column: str
    op: str
    values: tuple[str, ...] = ()

    def param(self) -> str:
        if self.op in VALUELESS_OPS:
            return f"{self.column}:{self.op}"
        return f"{self.column}:{self.op}:{','.join(self.values)}"


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False

    def param(self) -> str:
        return ("-" if self.descending else "") + self.column


@dataclass(frozen=True)
class GridSpec:
    """A grid's whole configuration; equal specs give equal rows and equal URLs."""

    entity: str
    columns: tuple[str, ...]
    filters: tuple[Filter, ...] = ()
    sorts: tuple[Sort, ...] = ()
    group_by: tuple[str, ...] = field(default=())

    def column(self, key: str) -> GridColumn:
        return CATALOGUE[self.entity][key]

    def config(self) -> dict[str, Any]:
        """The form a saved view keeps (and the API shows)."""
        return {
            "columns": list(self.columns),
            "filters": [
                {"column": f.column, "op": f.op, "values": list(f.values)} for f in self.filters
            ],
            "sorts": [{"column": s.column, "descending": s.descending} for s in self.sorts],
            "group_by": list(self.group_by),
        }

    def params(self) -> list[tuple[str, str]]:
        """The canonical query string of this spec, so a view can be shared by link."""
        out = [("columns", ",".join(self.columns))]
        out += [("f", f.param()) for f in self.filters]
        if self.sorts:
            out.append(("sort", ",".join(s.param() for s in self.sorts)))
        if self.group_by:
            out.append(("group", ",".join(self.group_by)))
        return out

    def without_filter(self, index: int) -> GridSpec:
        kept = tuple(f for i, f in enumerate(self.filters) if i != index)
        return GridSpec(self.entity, self.columns, kept, self.sorts, self.group_by)

    def with_filters(self, extra: Iterable[Filter]) -> GridSpec:
        return GridSpec(
            self.entity, self.columns, (*self.filters, *extra), self.sorts, self.group_by
        )


def _entity(entity: str) -> str:
    if entity not in ENTITIES:
        raise Invalid(f"unknown entity {entity!r}", {"field": "entity", "allowed": ENTITIES})
    return entity


def _known(entity: str, key: str, field_name: str) -> GridColumn:
    column = CATALOGUE[entity].get(key)
    if column is None:
        raise Invalid(
            f"unknown column {key!r} for {entity}",
            {"field": field_name, "column": key, "allowed": sorted(CATALOGUE[entity])},
        )
    return column


def _instant(raw: str, zone: ZoneInfo) -> str:
    """An instant as aware UTC ISO text; a date or a wall-clock time is the viewer's."""
    try:
        if len(raw) == 10:
            local = datetime.combine(date.fromisoformat(raw), time(), tzinfo=zone)
        else:
            parsed = datetime.fromisoformat(raw)
            local = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    except ValueError:
        raise Invalid(f"{raw!r} is not a date or an instant", {"field": "filters"}) from None
    return local.astimezone(UTC).isoformat()


def _value(column: GridColumn, raw: str, zone: ZoneInfo) -> str:
    raw = raw.strip()
    if not raw or len(raw) > MAX_VALUE or "\x00" in raw:
        raise Invalid(f"filter {column.key!r} needs a short value", {"field": "filters"})
    bad = Invalid(f"{raw!r} is not a value of {column.key!r}", {"field": "filters"})
    if column.kind in ("id", "number"):
        if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
            raise bad
        return str(int(raw))
    if column.kind == "enum" and column.enum is not None:
        if raw not in column.enum._value2member_map_:
            raise bad
        return raw
    if column.kind == "country":
        if not validation.is_country(raw.upper()):
            raise bad
        return raw.upper()
    if column.kind == "language":
        if not validation.is_language(raw.lower()):
            raise bad
        return raw.lower()
    if column.kind == "instant":
        return _instant(raw, zone)
    if column.kind == "tags":
        tag = normalise_tag(raw)
        if tag is None:
            raise bad
        return tag
    return raw


def check_filter(
    entity: str, column_key: str, op: str, values: Sequence[str], zone: ZoneInfo
) -> Filter:
    column = _known(entity, column_key, "filters")
    if op not in column.ops:
        raise Invalid(
            f"column {column_key!r} cannot be filtered with {op!r}",
            {"field": "filters", "column": column_key, "allowed": list(column.ops)},
        )
    if op in VALUELESS_OPS:
        return Filter(column_key, op)
    if op != "in" and len(values) != 1:
        raise Invalid(f"{op!r} on {column_key!r} takes one value", {"field": "filters"})
    if not values or len(values) > MAX_IN_VALUES:
        raise Invalid(f"'in' takes 1 to {MAX_IN_VALUES} values", {"field": "filters"})
    checked = tuple(dict.fromkeys(_value(column, v, zone) for v in values))
    return Filter(column_key, op, checked)


def build_spec(
    entity: str,
    *,
    columns: Sequence[str] | None,
    filters: Sequence[tuple[str, str, Sequence[str]]] = (),
    sorts: Sequence[tuple[str, bool]] = (),
    group_by: Sequence[str] = (),
    zone: ZoneInfo | None = None,
) -> GridSpec:
    """Check every part against the catalogue; the first fault is an Invalid (422)."""
    entity = _entity(entity)
    zone = zone or ZoneInfo("UTC")
    chosen = tuple(dict.fromkeys(columns or DEFAULT_COLUMNS[entity]))
    if not 1 <= len(chosen) <= MAX_COLUMNS:
        raise Invalid(f"choose 1 to {MAX_COLUMNS} columns", {"field": "columns"})
    for key in chosen:
        _known(entity, key, "columns")
    if len(filters) > MAX_FILTERS:
        raise Invalid(f"at most {MAX_FILTERS} filters", {"field": "filters"})
    checked = tuple(check_filter(entity, c, op, values, zone) for c, op, values in filters)
    if len(sorts) > MAX_SORTS:
        raise Invalid(f"at most {MAX_SORTS} sort keys", {"field": "sorts"})
    sort_keys: list[Sort] = []
    for key, descending in sorts:
        if not _known(entity, key, "sorts").can_sort:
            raise Invalid(f"column {key!r} cannot be sorted", {"field": "sorts", "column": key})
        if key not in {s.column for s in sort_keys}:
            sort_keys.append(Sort(key, bool(descending)))
    groups = tuple(dict.fromkeys(group_by))
    if len(groups) > MAX_GROUPS:
        raise Invalid(f"group by at most {MAX_GROUPS} columns", {"field": "group_by"})
    for key in groups:
        if not _known(entity, key, "group_by").can_group:
            raise Invalid(f"column {key!r} cannot be grouped", {"field": "group_by", "column": key})
    return GridSpec(entity, chosen, checked, tuple(sort_keys), groups)


def _split(raw: str | None) -> list[str]:
    return [p.strip() for p in (raw or "").split(",") if p.strip()]


def spec_from_params(
    entity: str, params: Sequence[tuple[str, str]], zone: ZoneInfo | None = None
) -> GridSpec:
    """The spec of a query string: the canonical names (columns, f, sort, group) and the grid
    form's fields (c, fc/fo/fv, sort1..3 with desc1..3, group1..2)."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in params:
        single.setdefault(key, value)
        multi.setdefault(key, []).append(value)
    if len(params) > 200:
        raise Invalid("too many parameters", {"field": "query"})
    columns = _split(single.get("columns")) or [c for c in multi.get("c", []) if c]
    filters: list[tuple[str, str, Sequence[str]]] = []
    for raw in multi.get("f", []):
        parts = raw.split(":", 2)
        if len(parts) < 2:
            raise Invalid(f"{raw[:60]!r} is not column:op[:values]", {"field": "filters"})
        values = parts[2].split(",") if len(parts) == 3 and parts[1] == "in" else parts[2:]
        filters.append((parts[0], parts[1], values))
    if single.get("fc"):
        op = single.get("fo") or "eq"
        raw_value = single.get("fv", "")
        values = raw_value.split(",") if op == "in" else [raw_value]
        filters.append((single["fc"], op, [] if op in VALUELESS_OPS else values))
    sorts = [(s.lstrip("-"), s.startswith("-")) for s in _split(single.get("sort"))]
    for n in range(1, MAX_SORTS + 1):
        if single.get(f"sort{n}"):
            sorts.append((single[f"sort{n}"], single.get(f"desc{n}") == "1"))
    groups = _split(single.get("group"))
    groups += [single[f"group{n}"] for n in (1, 2) if single.get(f"group{n}")]
    return build_spec(
        entity, columns=columns, filters=filters, sorts=sorts, group_by=groups, zone=zone
    )


def spec_from_config(entity: str, config: Mapping[str, Any]) -> GridSpec:
    """The spec of a saved configuration (as `GridSpec.config()` wrote it, or an API body)."""
    if not isinstance(config, Mapping):
        raise Invalid("a view's configuration is an object", {"field": "config"})
    unknown = sorted(set(config) - {"columns", "filters", "sorts", "group_by"})
    if unknown:
        raise Invalid(f"unknown configuration keys: {', '.join(unknown)}", {"field": "config"})
    try:
        filters = [
            (str(f["column"]), str(f["op"]), [str(v) for v in f.get("values", [])])
            for f in config.get("filters", [])
        ]
        sorts = [(str(s["column"]), bool(s.get("descending"))) for s in config.get("sorts", [])]
        columns = [str(c) for c in config.get("columns", [])]
        groups = [str(g) for g in config.get("group_by", [])]
    except (KeyError, TypeError, AttributeError):
        raise Invalid("the view's configuration is malformed", {"field": "config"}) from None
    return build_spec(entity, columns=columns, filters=filters, sorts=sorts, group_by=groups)
