"""Python values to DynamoDB attribute values and back (the `{"S": ...}` wire shapes).

The store only needs the plain types its codec produces: strings, whole numbers, booleans,
None, lists, maps and string or number sets. Numbers come back as `Decimal`, as boto3 gives
them, and the codec turns them into exact ints. Floats are refused: a DynamoDB number is
decimal, and a binary float would be stored as something other than what was meant.

Written here rather than taken from `boto3.dynamodb.types` so that a function never imports
boto3 (its resource layer, s3transfer and their imports cost a cold start several
milliseconds) for two small functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from decimal import Decimal, InvalidOperation
from typing import Any

# DynamoDB numbers: up to 38 significant digits, exponent within what the service takes.
MAX_DIGITS = 38


def serialize(value: object) -> dict[str, Any]:
    """One value as an attribute value; a type DynamoDB cannot hold raises `TypeError`."""
    if value is None:
        return {"NULL": True}
    if value is True or value is False:
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal):
        return {"N": _number(value)}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, Mapping):
        return {"M": {str(name): serialize(item) for name, item in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [serialize(item) for item in value]}
    if isinstance(value, Set):
        return _set(value)
    raise TypeError(f"DynamoDB cannot hold a {type(value).__name__}")


def deserialize(attribute: Mapping[str, Any]) -> Any:
    """One attribute value as a Python value; a malformed one raises `TypeError`/`ValueError`."""
    if len(attribute) != 1:
        raise ValueError("an attribute value has exactly one type")
    ((kind, value),) = attribute.items()
    if kind == "S":
        return _typed(value, str)
    if kind == "N":
        return _decimal(value)
    if kind == "BOOL":
        return _typed(value, bool)
    if kind == "NULL":
        return None
    if kind == "M":
        return {name: deserialize(item) for name, item in _typed(value, dict).items()}
    if kind == "L":
        return [deserialize(item) for item in _typed(value, list)]
    if kind == "SS":
        return {_typed(item, str) for item in _typed(value, list)}
    if kind == "NS":
        return {_decimal(item) for item in _typed(value, list)}
    if kind == "B":
        return _typed(value, bytes)
    if kind == "BS":
        return {_typed(item, bytes) for item in _typed(value, list)}
    raise ValueError(f"unknown attribute type {kind!r}")


def _number(value: int | Decimal) -> str:
    number = value if isinstance(value, Decimal) else Decimal(value)
    if not number.is_finite():
        raise TypeError("DynamoDB numbers are finite")
    if len(number.as_tuple().digits) > MAX_DIGITS:
        raise TypeError(f"DynamoDB numbers have at most {MAX_DIGITS} significant digits")
    return str(value)


def _decimal(value: object) -> Decimal:
    try:
        number = Decimal(_typed(value, str))
    except InvalidOperation:
        raise ValueError("not a DynamoDB number") from None
    if not number.is_finite():
        raise ValueError("not a DynamoDB number")
    return number


def _set(values: Set[object]) -> dict[str, Any]:
    if not values:
        raise TypeError("DynamoDB sets are never empty")
    if all(isinstance(item, str) for item in values):
        return {"SS": sorted(values)}  # type: ignore[type-var]
    if all(isinstance(item, int | Decimal) and not isinstance(item, bool) for item in values):
        return {"NS": [_number(item) for item in values]}  # type: ignore[arg-type]
    if all(isinstance(item, bytes) for item in values):
        return {"BS": list(values)}
    raise TypeError("a DynamoDB set holds strings, numbers or binaries, all of one kind")


def _typed(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value
