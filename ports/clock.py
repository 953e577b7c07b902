"""Ports for time and identifiers, so the domain stays deterministic under test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current time, always timezone-aware UTC."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class IdSource(Protocol):
    """Makes new opaque ids."""

    def new_id(self) -> str:
        """A fresh id, unique across the service."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


class UuidSource:
    """Random UUIDs as ids."""

    def new_id(self) -> str:
        """A random UUID4 string."""
        return str(uuid.uuid4())
