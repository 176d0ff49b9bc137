"""Languages of the UI: Babel catalogues, labels of the domain's codes, dates and money.

Strings in Python are marked with N_() and translated where they are shown; templates call _().
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations

from careloop.accounts.model import Role
from careloop.tickets.model import Category, Channel, MessageKind, Priority, ShipmentStatus, Status

LOCALES = ("en", "zh_Hans")
DEFAULT_LOCALE = "en"
LOCALE_NAMES = {"en": "English", "zh_Hans": "简体中文"}  # each language in its own words
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def normal_locale(value: object) -> str | None:
    return value if isinstance(value, str) and value in LOCALES else None


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of `locale`; straight from the .po when it was not compiled."""
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    mo = folder / f"{DOMAIN}.mo"
    if mo.exists():
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    po = folder / f"{DOMAIN}.po"
    if po.exists():
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=locale, domain=DOMAIN)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return Translations(buf, domain=DOMAIN)
    return NullTranslations()


_LABELS: dict[type[Enum], dict[str, str]] = {
    Status: {
        "new": N_("New"),
        "open": N_("Open"),
        "pending": N_("Pending"),
        "on_hold": N_("On hold"),
        "solved": N_("Solved"),
        "closed": N_("Closed"),
    },
    Priority: {
        "low": N_("Low"),
        "normal": N_("Normal"),
        "high": N_("High"),
        "urgent": N_("Urgent"),
    },
    Category: {
        "logistics": N_("Logistics"),
        "quality": N_("Quality"),
        "wrong_item": N_("Wrong item"),
        "size_color": N_("Size or colour"),
        "refund": N_("Refund"),
        "not_as_described": N_("Not as described"),
        "other": N_("Other"),
    },
    Channel: {
        "email": N_("E-mail"),
        "chat": N_("Chat"),
        "web_form": N_("Web form"),
        "social": N_("Social media"),
        "phone": N_("Phone"),
        "api": N_("API"),
    },
    MessageKind: {
        "customer": N_("Customer"),
        "reply": N_("Public reply"),
        "note": N_("Internal note"),
    },
    Role: {
        "admin": N_("Administrator"),
        "supervisor": N_("Team lead"),
        "agent": N_("Agent"),
        "viewer": N_("Viewer"),
        "integrator": N_("Integrator"),
    },
    ShipmentStatus: {
        "label_created": N_("Label created"),
        "in_transit": N_("In transit"),
        "out_for_delivery": N_("Out for delivery"),
        "delivered": N_("Delivered"),
        "exception": N_("Delivery exception"),
        "returned": N_("Returned to sender"),
    },
}
LABEL_KINDS: dict[str, type[Enum]] = {
    "status": Status,
    "priority": Priority,
    "category": Category,
    "channel": Channel,
    "message": MessageKind,
    "role": Role,
    "shipment": ShipmentStatus,
}
AUDIT_ACTIONS = {
    "created": N_("created the ticket"),
    "updated": N_("changed the ticket"),
    "replied": N_("replied to the customer"),
    "noted": N_("added an internal note"),
    "tagged": N_("changed the tags"),
    "customer_wrote": N_("customer wrote again"),
    "assigned": N_("assigned the ticket"),
    "unassigned": N_("returned the ticket to the queue"),
    "seen": N_("opened the ticket"),
    "sla_breached": N_("breached a service level"),
    "sla_recomputed": N_("recomputed the service level"),
}
AUDIT_FIELDS = {
    "status": N_("Status"),
    "priority": N_("Priority"),
    "category": N_("Category"),
    "channel": N_("Channel"),
    "assignee_id": N_("Assignee"),
    "tags": N_("Tags"),
    "subject": N_("Subject"),
    "language": N_("Language"),
    "country": N_("Country"),
    "brand_id": N_("Brand"),
    "customer_id": N_("Customer"),
    "order_id": N_("Order"),
    "sku": N_("SKU"),
    "batch": N_("Batch"),
    "source": N_("Source"),
    "message_id": N_("Message"),
    "custom_fields": N_("Custom fields"),
    "first_response_at": N_("First response"),
    "solved_at": N_("Solved at"),
    "closed_at": N_("Closed at"),
    "reason": N_("Reason"),
    "seen_at": N_("Opened at"),
    "sla_breach": N_("Breached target"),
    "sla_policy_id": N_("SLA policy"),
    "first_response_due_at": N_("First response due"),
    "next_response_due_at": N_("Next response due"),
    "resolution_due_at": N_("Resolution due"),
    "resolution_remaining_seconds": N_("Resolution time left (s)"),
}
# Fields whose audit values are codes with a label of their own.
AUDIT_VALUE_KINDS = {
    "status": "status",
    "priority": "priority",
    "category": "category",
    "channel": "channel",
}


def viewer_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Formatter:
    """Shows values to one viewer: their language, their time zone, money with its currency."""

    locale: str
    zone: ZoneInfo

    @property
    def _tr(self) -> NullTranslations:
        return translations(self.locale)

    def gettext(self, message: str, **params: object) -> str:
        text = self._tr.gettext(message)
        return text % params if params else text

    def label(self, kind: str, value: object) -> str:
        """The translated name of a code (status, priority...); an unknown code as it is."""
        if value is None:
            return ""
        raw = value.value if isinstance(value, Enum) else str(value)
        msgid = _LABELS[LABEL_KINDS[kind]].get(raw)
        return self._tr.gettext(msgid) if msgid else raw

    def choices(self, kind: str) -> list[tuple[str, str]]:
        labels = _LABELS[LABEL_KINDS[kind]]
        return [(code, self._tr.gettext(msgid)) for code, msgid in labels.items()]

    def when(self, instant: datetime | None) -> str:
        if instant is None:
            return ""
        local = instant.astimezone(self.zone)
        date = format_skeleton("yMMMd", local, locale=self.locale)
        time = format_skeleton("Hm", local, locale=self.locale)
        # The locale's own way of joining a date and a time ("{1}, {0}" in English).
        pattern = str(Locale.parse(self.locale).datetime_formats["medium"])
        return pattern.replace("{1}", date).replace("{0}", time)

    def iso(self, instant: datetime | None) -> str:
        return instant.isoformat() if instant is not None else ""

    def money(self, amount: Decimal | None, currency: str) -> str:
        if amount is None:
            return ""
        return format_currency(amount, currency, locale=self.locale)

    def country(self, code: str | None) -> str:
        if not code:
            return ""
        name = Locale.parse(self.locale).territories.get(code.upper())
        return str(name) if name else code

    def language(self, code: str | None) -> str:
        if not code:
            return ""
        name = Locale.parse(self.locale).languages.get(code.lower())
        return str(name) if name else code
