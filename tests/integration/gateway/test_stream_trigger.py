"""The markets table's stream through the real process_stream function."""

from __future__ import annotations

import json

import pytest

from tests.integration.gateway.flows import create_investible, join, new_market, unique_email
from tests.integration.gateway.running import Client, RunningGateway

pytestmark = pytest.mark.aws


def stream_counts(gateway: RunningGateway) -> dict[str, int]:
    (mapping,) = gateway.local("GET", "stream")["streams"]
    return {k: v for k, v in mapping.items() if isinstance(v, int)}


def test_writes_reach_the_stream_function_and_the_aggregates_catch_up(
    gateway: RunningGateway, client: Client
) -> None:
    market = new_market(client)
    investible = create_investible(client, market["token"])["investible"]["id"]
    member = join(client, unique_email("member"), market["market"]["invite_capability"])
    failures_before = len(gateway.local("GET", "failures")["failures"])

    invested = client.request(
        "POST",
        "/invest",
        {"investible_id": investible, "quantity": 30},
        token=member["uclusion_token"],
    )
    drained = gateway.drain()
    info = client.request("GET", f"/investibles/{investible}", token=market["token"])

    assert invested.status == 200
    assert drained["streams"][0]["lag"] == 0
    assert drained["streams"][0]["function"] == "process_stream"
    assert info.json["market_infos"][0]["investment_count"] == 1
    assert info.json["market_infos"][0]["investment_total"] == 30
    assert len(gateway.local("GET", "failures")["failures"]) == failures_before


def test_a_failing_stream_function_is_retried_then_reported_to_the_destination(
    gateway: RunningGateway, client: Client, gateway_faults: None
) -> None:
    market = new_market(client)
    gateway.drain()
    before = stream_counts(gateway)
    failures_before = len(gateway.local("GET", "failures")["failures"])
    gateway.local("POST", "faults", {"function_errors": ["process_stream"]})

    created = create_investible(client, market["token"], "Doomed")
    gateway.drain()

    after = stream_counts(gateway)
    failures = gateway.local("GET", "failures")["failures"][failures_before:]
    written = [json.loads(line) for line in (gateway.state_dir / "failures.jsonl").open()]
    assert created["investible"]["name"] == "Doomed"
    assert failures, "the records should have reached the failure destination"
    assert after["retries"] - before["retries"] >= 5
    assert {f["requestContext"]["condition"] for f in failures} == {"RetryAttemptsExhausted"}
    assert all(f["requestContext"]["approximateInvokeCount"] == 6 for f in failures)
    assert all("InjectedFailure" in f["responseContext"]["functionError"] for f in failures)
    assert written[-len(failures) :] == failures
    assert after["lag"] == 0
