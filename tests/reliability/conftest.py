"""Fixtures of the reliability suite: for each test module, a DynamoDB of its own (a serial
moto server in its own process) and a gateway on it, with the test controls, the trusted
X-Local-Request-Id header, an unlimited usage plan and its capability secret readable.

A module of its own because moto copies a whole table for every item of a transaction (to
roll back): tables shared by the whole suite would make each write slower than the last.

`gateway` has the name the fixtures of tests/integration/gateway expect, so `gateway_faults`
(faults lifted after a test) is reused as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.gateway.conftest import gateway_faults  # noqa: F401  (a fixture)
from tests.integration.gateway.running import Client, RunningGateway
from tests.reliability.figures import FIGURES_FILE, Figures
from tests.reliability.processes import Dynamodb, capability_secrets, start_reliable_gateway
from tests.reliability.tables import Tables, difference

_FIGURES = Figures()


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Dynamodb]:
    process = Dynamodb()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, dynamodb: Dynamodb, figures: Figures
) -> Iterator[RunningGateway]:
    running = start_reliable_gateway(tmp_path_factory.mktemp("reliability"), dynamodb.url)
    yield running
    try:
        figures.absorb(running)
    finally:
        running.stop()


@pytest.fixture(scope="module")
def secrets(gateway: RunningGateway) -> dict[str, Any]:
    """The gateway's capability secret: `current` {kid, secret}, `issuer`, `algorithms`."""
    return capability_secrets(gateway)


@pytest.fixture(scope="module")
def tables(dynamodb: Dynamodb) -> Tables:
    return Tables(dynamodb.url)


@pytest.fixture(scope="package")
def figures() -> Iterator[Figures]:
    yield _FIGURES
    _FIGURES.write()


@pytest.fixture
def untouched(gateway: RunningGateway, tables: Tables) -> Iterator[None]:
    """The test must leave both tables, and the markets table's stream, as they were."""
    gateway.drain()
    received = stream_received(gateway)
    before = tables.snapshot()
    yield
    gateway.drain()
    changed = difference(before, tables.snapshot())
    assert not changed, changed
    assert stream_received(gateway) == received


def stream_received(gateway: RunningGateway) -> int:
    """How many records the stream consumer has read so far."""
    return sum(int(m["received"]) for m in gateway.local("GET", "stream")["streams"])


@pytest.fixture
def api(gateway: RunningGateway, figures: Figures) -> Iterator[Client]:
    """A client that fails the test on any 500 and counts in the figures."""
    client = figures.client(gateway)
    yield client
    client.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    written = _FIGURES.written
    if written is None:
        return
    terminalreporter.section("reliability figures")
    terminalreporter.write_line(f"written to {_relative(FIGURES_FILE)}")
    terminalreporter.write_line(json.dumps(written, indent=2))


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
