"""Fixtures of the DynamoDB adapter tests: a store on moto and the services wired on it."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.dynamodb.retries import RetryPolicy
from adapters.dynamodb.store import DynamoStore
from tests.integration.conftest import TableNames
from tests.integration.dynamodb.support import FakeTokens, FixedClock, Kit, Services, wire


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def waits() -> list[float]:
    """The backoff waits the store asked for (it never really sleeps in these tests)."""
    return []


@pytest.fixture
def store(
    dynamodb_client: Any, table_names: TableNames, clock: FixedClock, waits: list[float]
) -> DynamoStore:
    return DynamoStore(
        dynamodb_client,
        table_names.users,
        table_names.markets,
        clock=clock,
        retry=RetryPolicy(sleep=waits.append),
    )


@pytest.fixture
def tokens() -> FakeTokens:
    return FakeTokens()


@pytest.fixture
def services(store: DynamoStore, clock: FixedClock, tokens: FakeTokens) -> Services:
    return wire(store, clock, tokens)


@pytest.fixture
def kit(services: Services, tokens: FakeTokens) -> Kit:
    return Kit(services, tokens)
