"""Edges to other systems: signed webhooks in (Shopify, generic complaints) and, later, chat,
mail and ad platforms out. Modules here are pure: they check signatures and translate payloads;
the state changes live in the domains' actions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from careloop.errors import DomainError, Invalid, Unauthenticated

M = TypeVar("M", bound=BaseModel)


class BadSignature(Unauthenticated):
    code = "bad_signature"


class UnknownSender(Unauthenticated):
    code = "unknown_sender"


class MissingHeader(DomainError):
    status = 400
    code = "missing_header"


class MalformedJson(DomainError):
    status = 400
    code = "malformed_json"


class UnsupportedTopic(DomainError):
    status = 400
    code = "unsupported_topic"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; numbers with a fraction stay exact (Decimal), never floats."""
    try:
        value = json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson("the request body is not valid JSON", {"error": str(exc)}) from None
    if not isinstance(value, dict):
        raise Invalid("the payload must be a JSON object", {"loc": ["body"]})
    return value


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Where and why a payload failed, without echoing the values sent."""
    return [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "message": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors()
    ]


def validated(model: type[M], data: Any, what: str) -> M:
    """Validate `data` as `model`, turning pydantic's error into a 422 the caller can read."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(f"{what} is not valid", validation_details(exc)) from None


# -- reading JSON values, with the field's path in every error --------------------------------

CENT = Decimal("0.01")


def _bad(path: str, what: str) -> Invalid:
    return Invalid(f"{path} must be {what}", {"field": path})


def as_object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(path, "an object")
    return value


def opt_object(value: Any, path: str) -> Mapping[str, Any]:
    """An optional object: missing or null reads as empty."""
    return {} if value is None else as_object(value, path)


def as_list(value: Any, path: str) -> list[Any]:
    """A list; missing or null reads as empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(path, "a list")
    return value


def as_id(value: Any, path: str) -> str:
    """A platform id: an integer (often above 2**53, so kept as text) or numeric text."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(path, "an id")
    text = str(value).strip()
    if not text.isdigit() or len(text) > 30:
        raise _bad(path, "an id")
    return text


def opt_id(value: Any, path: str) -> str | None:
    return None if value is None else as_id(value, path)


def as_text(value: Any, path: str, limit: int | None = None) -> str | None:
    """Text, stripped; empty becomes None; `limit` cuts free text that would not fit a column."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _bad(path, "text")
    text = str(value).strip()
    if limit is not None:
        text = text[:limit]
    return text or None


def as_int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(path, "an integer")
    return value


def as_money(value: Any, path: str) -> Decimal:
    """An amount sent as decimal text ("89.99") or a number, kept exact to the cent (careloop's
    money columns hold two decimals)."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _bad(path, "an amount")
    try:
        amount = Decimal(str(value).strip())
        if not amount.is_finite():
            raise _bad(path, "an amount")
        return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        raise _bad(path, "an amount") from None


def as_instant(value: Any, path: str) -> datetime:
    """An ISO 8601 instant with its UTC offset."""
    if not isinstance(value, str):
        raise _bad(path, "an ISO 8601 instant")
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad(path, "an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise _bad(path, "an instant with its UTC offset")
    return instant


def opt_instant(value: Any, path: str) -> datetime | None:
    return None if value is None else as_instant(value, path)
