"""The gate in front of the embedded backend: one moto call at a time, each call once, and
DynamoDB throttling injected on request."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest

from adapters.local import backend_gate
from tests.integration.gateway.flows import create_investible, join, new_market, unique_email
from tests.integration.gateway.running import RunningGateway


class FakeStubber:
    """Answers every call, and notices when two run at once."""

    enabled = True

    def __init__(self) -> None:
        self.calls = 0
        self.overlaps = 0
        self._inside = threading.Semaphore(1)

    def __call__(self, request: Any, **_: Any) -> str:
        if not self._inside.acquire(blocking=False):
            self.overlaps += 1
            self._inside.acquire()
        try:
            self.calls += 1
            threading.Event().wait(0.001)
            return "answer"
        finally:
            self._inside.release()


def request(target: str) -> AWSPreparedRequest:
    headers = {"X-Amz-Target": f"DynamoDB_20120810.{target}"}
    return AWSPreparedRequest(
        "POST", "https://dynamodb.us-east-1.amazonaws.com/", headers, b"", False
    )


def test_the_gate_takes_the_stubbers_place_and_gives_it_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stubber = FakeStubber()
    handlers: list[tuple[Any, ...]] = [("before-call", print), ("before-send", stubber)]
    monkeypatch.setattr(backend_gate, "BUILTIN_HANDLERS", handlers)

    gate = backend_gate.install(stubber)
    installed = [entry[1] for entry in handlers if entry[0] == "before-send"]
    backend_gate.uninstall(gate)

    assert installed == [gate]
    assert [entry[1] for entry in handlers] == [print, stubber]


def test_calls_through_the_gate_never_overlap() -> None:
    stubber = FakeStubber()
    gate = backend_gate.BackendGate(stubber)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: gate(request("PutItem")), range(64)))

    assert answers == ["answer"] * 64
    assert stubber.calls == 64
    assert stubber.overlaps == 0


def test_throttling_answers_dynamodbs_error_for_data_calls_only() -> None:
    stubber = FakeStubber()
    gate = backend_gate.BackendGate(stubber)
    gate.dynamodb_throttle_rate = 1.0

    throttled = gate(request("TransactWriteItems"))
    control_plane = gate(request("DescribeTable"))

    assert throttled.status_code == 400
    assert json.loads(throttled.content)["__type"].endswith(
        "ProvisionedThroughputExceededException"
    )
    assert control_plane == "answer"
    assert stubber.calls == 1
    assert gate.throttled == 1


@pytest.mark.aws
def test_concurrent_compare_and_sets_through_the_gateway_have_one_winner(
    gateway: RunningGateway,
) -> None:
    setup = gateway.client()
    market = new_market(setup)
    investible = create_investible(setup, market["token"])["investible"]["id"]
    member = join(setup, unique_email("racer"), market["market"]["invite_capability"])
    body = {"investible_id": investible, "quantity": 10, "former_quantity": 0}

    def invest(quantity: int) -> int:
        client = gateway.client()
        try:
            reply = client.request(
                "POST", "/invest", {**body, "quantity": quantity}, token=member["uclusion_token"]
            )
            return reply.status
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(invest, range(1, 9)))

    assert statuses == [200] + [409] * 7
