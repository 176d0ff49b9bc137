"""A grid view exported whole: CSV streamed in chunks, XLSX written by XlsxWriter in
constant-memory mode, so hundreds of thousands of rows never sit in memory at once. Values
appear as the viewer sees them: instants in their time zone, codes by their names, money with
its currency."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import xlsxwriter  # type: ignore[import-untyped]

from careloop.storage.engine import Database
from careloop.tickets.grid import GridRow, iter_grid_rows
from careloop.tickets.grid_columns import GridColumn
from careloop.tickets.grid_spec import GridSpec
from careloop.tickets.model import Category, Channel, Priority, ShipmentStatus, Status

LABEL_KINDS: dict[type[Enum], str] = {
    Status: "status",
    Priority: "priority",
    Category: "category",
    Channel: "channel",
    ShipmentStatus: "shipment",
}
CSV_LINES_PER_CHUNK = 500
LOCAL_FORMAT = "%Y-%m-%d %H:%M"


class Shows(Protocol):
    """What an export needs of the viewer (web.i18n.Formatter is one)."""

    @property
    def zone(self) -> ZoneInfo: ...

    def label(self, kind: str, value: object) -> str: ...

    def money(self, amount: Decimal | None, currency: str) -> str: ...


def headers(spec: GridSpec, titles: Mapping[str, str], zone: ZoneInfo) -> list[str]:
    """Column titles; an instant's title names the time zone its values are in."""
    out = []
    for key in spec.columns:
        title = titles.get(key, key)
        out.append(f"{title} ({zone.key})" if spec.column(key).kind == "instant" else title)
    return out


def cell_text(column: GridColumn, value: Any, shows: Shows) -> str:
    """A value as text, the way the grid page shows it."""
    if value is None:
        return ""
    if column.kind == "tags":
        return ", ".join(value)
    if column.kind == "money":
        amount, currency = value
        return shows.money(amount, currency) if amount is not None else ""
    if column.kind == "instant" and isinstance(value, datetime):
        return value.astimezone(shows.zone).strftime(LOCAL_FORMAT)
    if column.enum is not None:
        member = column.enum(value) if not isinstance(value, Enum) else value
        return shows.label(LABEL_KINDS.get(column.enum, ""), member) or str(member.value)
    return str(value.value if isinstance(value, Enum) else value)


def _line(spec: GridSpec, row: GridRow, shows: Shows) -> list[str]:
    return [cell_text(spec.column(k), row.values[k], shows) for k in spec.columns]


def csv_chunks(
    db: Database, spec: GridSpec, titles: Mapping[str, str], shows: Shows
) -> Iterator[bytes]:
    """The CSV file in pieces: a byte-order mark (so spreadsheets read UTF-8), the titles,
    then the rows a few hundred lines at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers(spec, titles, shows.zone))
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    for lines, row in enumerate(iter_grid_rows(db, spec), start=1):
        writer.writerow(_line(spec, row, shows))
        if lines % CSV_LINES_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue().encode()


def write_xlsx(
    db: Database, spec: GridSpec, titles: Mapping[str, str], shows: Shows, path: Path
) -> int:
    """Write the XLSX file row by row (constant memory: each row is flushed once written);
    instants are date cells on the viewer's wall clock, money numbers in their currency's
    format. Returns the number of rows written."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "remove_timezone": True})
    try:
        sheet = book.add_worksheet(spec.entity[:31])
        bold = book.add_format({"bold": True})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        money_formats: dict[str, Any] = {}
        columns = [spec.column(k) for k in spec.columns]
        for i, title in enumerate(headers(spec, titles, shows.zone)):
            sheet.write_string(0, i, title, bold)
            sheet.set_column(i, i, 22 if columns[i].kind in ("instant", "text") else 14)
        count = 0
        for count, row in enumerate(iter_grid_rows(db, spec), start=1):
            for i, column in enumerate(columns):
                value = row.values[column.key]
                if value is None:
                    continue
                if column.kind == "instant":
                    local = value.astimezone(shows.zone).replace(tzinfo=None)
                    sheet.write_datetime(count, i, local, when)
                elif column.kind == "money" and value[0] is not None:
                    amount, currency = value
                    if currency not in money_formats:
                        fmt = f'#,##0.00 "{currency}"'
                        money_formats[currency] = book.add_format({"num_format": fmt})
                    sheet.write_number(count, i, float(amount), money_formats[currency])
                elif column.kind in ("id", "number"):
                    sheet.write_number(count, i, int(value))
                else:
                    sheet.write_string(count, i, cell_text(column, value, shows))
        return count
    finally:
        book.close()
