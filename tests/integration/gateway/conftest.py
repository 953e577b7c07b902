"""Two gateways for the whole session: one as `make serve` runs it (with short TTLs and the
test controls), one with a tiny usage plan and integration timeout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.gateway.running import Client, RunningGateway, start_gateway

AUTHORIZER_TTL = 1.0
TIGHT_RATE, TIGHT_BURST, TIGHT_QUOTA = 4.0, 2, 4
TIGHT_TIMEOUT = 0.5


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    running = start_gateway(
        tmp_path_factory.mktemp("gateway"),
        "--authorizer-ttl",
        str(AUTHORIZER_TTL),
        "--test-controls",
        "--reload-interval",
        "0",
        "--stream-poll-interval",
        "0.05",
        "--no-schedules",
    )
    yield running
    running.stop()


@pytest.fixture(scope="session")
def tight_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    running = start_gateway(
        tmp_path_factory.mktemp("tight"),
        "--throttle-rate",
        str(TIGHT_RATE),
        "--throttle-burst",
        str(TIGHT_BURST),
        "--quota",
        str(TIGHT_QUOTA),
        "--integration-timeout",
        str(TIGHT_TIMEOUT),
        "--test-controls",
        "--no-reload",
        "--no-streams",
        "--no-schedules",
    )
    yield running
    running.stop()


@pytest.fixture
def client(gateway: RunningGateway) -> Iterator[Client]:
    http = gateway.client()
    yield http
    http.close()


@pytest.fixture
def gateway_faults(gateway: RunningGateway) -> Iterator[None]:
    """Faults a test sets on the shared gateway are lifted afterwards."""
    yield
    gateway.local(
        "POST",
        "faults",
        {"dynamodb_throttle_rate": 0, "function_delay_ms": {}, "function_errors": []},
    )
