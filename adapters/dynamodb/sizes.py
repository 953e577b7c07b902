"""The 400 KB item limit, checked before a write rather than discovered in a failed one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_ITEM_BYTES = 400 * 1024


class ItemTooLarge(ValueError):
    """An item would exceed DynamoDB's 400 KB limit; the write was not sent."""

    def __init__(self, what: str, size: int) -> None:
        super().__init__(
            f"{what} would take {size} bytes; DynamoDB stores items of at most 400 KB"
            f" ({MAX_ITEM_BYTES} bytes), so it was not written."
        )
        self.size = size


def _value_size(value: Mapping[str, Any]) -> int:
    (tag, content), *_ = value.items()
    if tag == "S":
        return len(content.encode("utf-8"))
    if tag == "N":
        return len(content.lstrip("-").replace(".", "").strip("0")) // 2 + 2
    if tag == "B":
        return len(content)
    if tag in ("BOOL", "NULL"):
        return 1
    if tag == "L":
        return 3 + sum(_value_size(element) + 1 for element in content)
    if tag == "M":
        return 3 + sum(
            len(name.encode("utf-8")) + _value_size(element) + 1
            for name, element in content.items()
        )
    if tag == "SS":
        return sum(len(element.encode("utf-8")) for element in content)
    if tag == "NS":
        return sum(len(element) for element in content)
    if tag == "BS":
        return sum(len(element) for element in content)
    return 0


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """An upper estimate of the stored size of an item: names plus values, as DynamoDB counts."""
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def check_size(item: Mapping[str, Mapping[str, Any]], what: str) -> None:
    """Refuse an item over the limit, naming `what` it is."""
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        raise ItemTooLarge(what, size)
