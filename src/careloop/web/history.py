"""The audit trail as people read it: who did what, each change with its before and after."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from careloop.storage.audit import AuditEntry
from careloop.web.i18n import AUDIT_ACTIONS, AUDIT_FIELDS, AUDIT_VALUE_KINDS, Formatter

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    action: str
    changes: list[Change]


Refs = Mapping[str, Mapping[int, str]]  # a field holding ids -> the names of those ids


def _value(fmt: Formatter, name: str, value: Any, refs: Refs) -> str:
    if value is None or value == []:
        return EMPTY
    if name in AUDIT_VALUE_KINDS:
        return fmt.label(AUDIT_VALUE_KINDS[name], value)
    if name in refs and isinstance(value, int):
        return refs[name].get(value, f"#{value}")
    if name.endswith("_at") and isinstance(value, str):
        try:
            return fmt.when(datetime.fromisoformat(value))
        except ValueError:
            return value
    if name == "language" and isinstance(value, str):
        return fmt.language(value)
    if name == "country" and isinstance(value, str):
        return fmt.country(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def history(fmt: Formatter, entries: Sequence[AuditEntry], refs: Refs) -> list[Event]:
    """The entries as events; ids in `refs` (assignee, brand, customer...) shown by name."""
    events = []
    for entry in entries:
        msgid = AUDIT_ACTIONS.get(entry.action)
        changes = []
        for name, change in (entry.changes or {}).items():
            if name == "message_id":
                continue  # the message itself is in the conversation
            label = AUDIT_FIELDS.get(name)
            before = change.get("before") if isinstance(change, dict) else None
            after = change.get("after") if isinstance(change, dict) else change
            changes.append(
                Change(
                    field=fmt.gettext(label) if label else name,
                    before=_value(fmt, name, before, refs),
                    after=_value(fmt, name, after, refs),
                )
            )
        events.append(
            Event(
                at=entry.at,
                actor=entry.actor_label,
                action=fmt.gettext(msgid) if msgid else entry.action,
                changes=changes,
            )
        )
    return events
