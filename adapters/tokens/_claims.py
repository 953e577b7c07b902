"""Checks shared by both token verifiers: size, JSON claims, times. Messages never echo input."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ports.tokens import InvalidToken

MAX_TOKEN_LENGTH = 8 * 1024


def bounded_token(value: object, kind: str) -> str:
    """`value` if it may be parsed: a non-empty ASCII string of at most 8 KiB."""
    if not isinstance(value, str) or not value:
        raise InvalidToken(f"{kind} is missing")
    if len(value) > MAX_TOKEN_LENGTH:
        raise InvalidToken(f"{kind} is longer than {MAX_TOKEN_LENGTH} characters")
    if not value.isascii():
        raise InvalidToken(f"{kind} is malformed")
    return value


def claims_of(payload: bytes, kind: str) -> dict[str, Any]:
    """The JSON object a verified payload holds."""
    try:
        claims = json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise InvalidToken(f"{kind} payload is not JSON") from error
    if not isinstance(claims, dict):
        raise InvalidToken(f"{kind} payload is not a JSON object")
    return claims


def required_text(claims: Mapping[str, Any], name: str, kind: str) -> str:
    """The non-empty string claim `name`."""
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidToken(f"{kind} lacks the {name} claim")
    return value


def optional_text(claims: Mapping[str, Any], name: str, kind: str) -> str | None:
    """The string claim `name`, or None when the token does not carry it."""
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidToken(f"{kind} has a malformed {name} claim")
    return value


def check_times(claims: Mapping[str, Any], now: datetime, leeway: float, kind: str) -> None:
    """Refuse a token that has expired, was issued in the future, or is not valid yet."""
    instant = now.timestamp()
    expires = _numeric_date(claims, "exp", kind)
    issued = _numeric_date(claims, "iat", kind)

    if expires <= instant - leeway:
        raise InvalidToken(f"{kind} has expired")
    if issued > instant + leeway:
        raise InvalidToken(f"{kind} was issued in the future")
    if "nbf" in claims and _numeric_date(claims, "nbf", kind) > instant + leeway:
        raise InvalidToken(f"{kind} is not valid yet")


def _numeric_date(claims: Mapping[str, Any], name: str, kind: str) -> float:
    value = claims.get(name)
    if value is None:
        raise InvalidToken(f"{kind} lacks the {name} claim")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"{kind} has a malformed {name} claim")
    try:
        number = float(value)
    except OverflowError as error:
        raise InvalidToken(f"{kind} has a malformed {name} claim") from error
    if not math.isfinite(number):
        raise InvalidToken(f"{kind} has a malformed {name} claim")
    return number
