"""One gateway for the end-to-end tests, started as `make serve` would start it, plus the
local-only test controls (faults, usage plan) and the trusted X-Local-Request-Id header."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.gateway.running import Client, RunningGateway, start_gateway


@pytest.fixture(scope="session")
def e2e_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    running = start_gateway(
        tmp_path_factory.mktemp("e2e"),
        "--test-controls",
        "--trust-request-id-header",
        "--stream-poll-interval",
        "0.05",
        "--no-schedules",
        "--no-reload",
    )
    yield running
    running.stop()


@pytest.fixture
def api(e2e_gateway: RunningGateway) -> Iterator[Client]:
    """A client that fails the test on any 500."""
    client = e2e_gateway.client()
    yield client
    client.close()
