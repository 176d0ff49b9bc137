"""What the grid pages share: the spec of a request, its canonical URL, the context a grid
template needs (rows in groups, filter chips, the form's choices)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from careloop.accounts.model import Permission, Principal
from careloop.downloads import attachment
from careloop.errors import Forbidden, NotFound
from careloop.storage.engine import Database
from careloop.tickets import grid_export
from careloop.tickets.grid import GridRow, GroupCount
from careloop.tickets.grid_columns import CATALOGUE, ENTITIES, GridColumn
from careloop.tickets.grid_export import LABEL_KINDS
from careloop.tickets.grid_spec import Filter, GridSpec, spec_from_params
from careloop.web.i18n import Formatter, viewer_zone
from careloop.web.views_labels import COLUMN_LABELS, OP_LABELS

# Query parameters that belong to the page, not to the spec.
PAGE_PARAMS = frozenset({"cursor", "lang", "view"})
# The grid form's own fields: a request carrying them is sent on to the canonical address.
FORM_PARAMS = frozenset({"c", "fc", "fo", "fv", "sort1", "sort2", "sort3", "group1", "group2"})
WIDTHS = {
    "id": 6,
    "text": 12,
    "enum": 8,
    "country": 5,
    "language": 5,
    "instant": 11,
    "money": 9,
    "number": 6,
    "tags": 12,
}
KANBAN = "/views/kanban"
ENTITY_PERMISSION = {"tickets": Permission.TICKETS_READ, "orders": Permission.COMMERCE_READ}


def check_entity(entity: str, principal: Principal) -> str:
    if entity not in ENTITIES:
        raise NotFound(f"no grid of {entity!r}")
    if not principal.can(ENTITY_PERMISSION[entity]):
        raise Forbidden(
            f"role {principal.role.value} may not read {entity}",
            {"required": ENTITY_PERMISSION[entity].value},
        )
    return entity


def spec_params(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k not in PAGE_PARAMS]


def spec_of(request: Request, entity: str, principal: Principal) -> GridSpec:
    zone = viewer_zone(principal.timezone)
    return spec_from_params(entity, spec_params(request), zone)


def from_form(request: Request) -> bool:
    return any(k in FORM_PARAMS for k in request.query_params)


def grid_url(
    spec: GridSpec, *, view_id: int | None = None, cursor: str | None = None, path: str = ""
) -> str:
    """The canonical address of a grid; the kanban's (its own path) carries only filters."""
    params = [p for p in spec.params() if p[0] == "f"] if path == KANBAN else spec.params()
    if view_id is not None:
        params.append(("view", str(view_id)))
    if cursor:
        params.append(("cursor", cursor))
    return f"{path or '/views/' + spec.entity}?{urlencode(params)}"


def width(column: GridColumn) -> int:
    return 20 if column.key == "subject" else WIDTHS[column.kind]


def label_kind(column: GridColumn) -> str | None:
    return LABEL_KINDS.get(column.enum) if column.enum is not None else None


def show_value(column: GridColumn, value: Any, fmt: Formatter) -> str:
    """A plain value (a group's, a filter's) as words: codes by their names."""
    if value is None or value == "":
        return fmt.gettext("(empty)")
    kind = label_kind(column)
    if kind:
        return fmt.label(kind, value)
    if column.kind == "instant":
        return fmt.when(datetime.fromisoformat(value) if isinstance(value, str) else value)
    if column.kind == "country":
        return fmt.country(str(value))
    if column.kind == "language":
        return fmt.language(str(value))
    return str(value)


def filter_chips(spec: GridSpec, fmt: Formatter, path: str = "") -> list[dict[str, str]]:
    chips = []
    for i, f in enumerate(spec.filters):
        column = spec.column(f.column)
        title = fmt.gettext(COLUMN_LABELS[spec.entity][f.column])
        values = ", ".join(show_value(column, v, fmt) for v in f.values)
        text = f"{title} {fmt.gettext(OP_LABELS[f.op])} {values}".strip()
        chips.append({"text": text, "remove": grid_url(spec.without_filter(i), path=path)})
    return chips


def drill_filter(column: GridColumn, value: Any) -> Filter:
    if value is None or value == "":
        return Filter(column.key, "empty")
    return Filter(column.key, "eq", (str(value),))


def sections(
    spec: GridSpec, rows: Sequence[GridRow], groups: Sequence[GroupCount], fmt: Formatter
) -> list[dict[str, Any]]:
    """The page's rows under their group headers (groups of two levels nest), each with the
    count of the whole group (from the GROUP BY) and a link to only that group."""
    if not spec.group_by:
        return []
    first = spec.column(spec.group_by[0])
    second = spec.column(spec.group_by[1]) if len(spec.group_by) > 1 else None
    outer: dict[Any, int] = {}
    pairs: dict[tuple[Any, ...], int] = {}
    for g in groups:
        outer[g.values[0]] = outer.get(g.values[0], 0) + g.count
        pairs[g.values] = g.count
    out: list[dict[str, Any]] = []
    for row in rows:
        v1 = row.groups[0]
        if not out or out[-1]["value"] != v1:
            only = spec.with_filters([drill_filter(first, v1)])
            out.append(
                {
                    "value": v1,
                    "title": show_value(first, v1, fmt),
                    "column": COLUMN_LABELS[spec.entity][first.key],
                    "count": outer.get(v1),
                    "url": grid_url(only),
                    "rows": [],
                    "subs": [],
                }
            )
        section = out[-1]
        if second is None:
            section["rows"].append(row)
            continue
        v2 = row.groups[1]
        if not section["subs"] or section["subs"][-1]["value"] != v2:
            only = spec.with_filters([drill_filter(first, v1), drill_filter(second, v2)])
            section["subs"].append(
                {
                    "value": v2,
                    "title": show_value(second, v2, fmt),
                    "column": COLUMN_LABELS[spec.entity][second.key],
                    "count": pairs.get((v1, v2)),
                    "url": grid_url(only),
                    "rows": [],
                }
            )
        section["subs"][-1]["rows"].append(row)
    return out


def choices(entity: str) -> dict[str, Any]:
    """The catalogue as the grid form offers it."""
    columns = list(CATALOGUE[entity].values())
    return {
        "all": columns,
        "filterable": [c for c in columns if c.ops],
        "sortable": [c for c in columns if c.can_sort],
        "groupable": [c for c in columns if c.can_group],
        "labels": COLUMN_LABELS[entity],
        "ops": OP_LABELS,
    }


def export_response(
    db: Database, spec: GridSpec, fmt: Formatter, filename: str, kind: str
) -> Response:
    """Every row of `spec` as a download: CSV streamed, XLSX written to a temporary file that
    is deleted once sent. The pages and the API export through this one function."""
    titles = {k: fmt.gettext(v) for k, v in COLUMN_LABELS[spec.entity].items()}
    if kind == "csv":
        return StreamingResponse(
            grid_export.csv_chunks(db, spec, titles, fmt),
            media_type="text/csv; charset=utf-8",
            headers=attachment(filename),
        )
    handle, name = tempfile.mkstemp(suffix=".xlsx", prefix="careloop-export-")
    os.close(handle)
    path = Path(name)
    try:
        grid_export.write_xlsx(db, spec, titles, fmt, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=filename,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
