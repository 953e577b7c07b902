"""Field types shared by the request bodies."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

MAX_LISTED = 100

# Opaque ids: UUIDs and the like. Anything else cannot name a stored object.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


def _printable(text: str, allowed: str = "") -> str:
    for char in text:
        if char in allowed:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co") or (category == "Cn" and ord(char) > 0xFFFF - 2):
            raise ValueError("must not contain control characters or unpaired surrogates")
    return text


def _single_line(text: str) -> str:
    _printable(text)
    if not text.strip():
        raise ValueError("must not be blank")
    return text


def _multi_line(text: str) -> str:
    return _printable(text, allowed="\n\r\t")


Id = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_single_line)]
Description = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(_multi_line)]
Version = Annotated[int, Field(ge=1)]
Quantity = Annotated[int, Field(ge=-100, le=100)]
ExpirationDays = Annotated[int, Field(ge=1, le=3650)]


class Body(BaseModel):
    """A write's body: unknown fields and loose types are refused.

    Its validator is built on first use (`defer_build`): a function module imports the
    schema modules of several routes, and builds only the bodies it validates.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class IdVersion(Body):
    """An object named by id with the least version wanted."""

    id: Id
    version: Annotated[int, Field(ge=0)]
