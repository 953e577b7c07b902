"""Handlers on the in-memory store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.memory import MemoryStore
from tests.support.harness import Harness, wired


@pytest.fixture
def store() -> MemoryStore:
    """A fresh in-memory store."""
    return MemoryStore()


@pytest.fixture
def api(store: MemoryStore) -> Iterator[Harness]:
    """The handlers wired to the in-memory store."""
    with wired(store) as harness:
        yield harness
