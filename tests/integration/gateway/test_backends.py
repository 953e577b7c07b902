"""The gateway on another DynamoDB (`--dynamodb-endpoint`): a moto server here, DynamoDB Local
or any other endpoint elsewhere; SSM stays embedded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.integration.gateway.flows import create_investible, join, new_market, unique_email
from tests.integration.gateway.running import RunningGateway, start_gateway

pytestmark = pytest.mark.aws


@pytest.fixture
def endpoint_gateway(moto_server: str, tmp_path: Path) -> Iterator[tuple[RunningGateway, str]]:
    running = start_gateway(
        tmp_path,
        "--dynamodb-endpoint",
        moto_server,
        "--no-schedules",
        "--no-reload",
        "--stream-poll-interval",
        "0.05",
    )
    yield running, moto_server
    running.stop()


def test_the_functions_and_the_stream_poller_use_the_other_dynamodb(
    endpoint_gateway: tuple[RunningGateway, str],
) -> None:
    gateway, endpoint = endpoint_gateway
    client = gateway.client()
    market = new_market(client)
    investible = create_investible(client, market["token"])["investible"]["id"]
    member = join(client, unique_email("m"), market["market"]["invite_capability"])

    invested = client.request(
        "POST",
        "/invest",
        {"investible_id": investible, "quantity": 7},
        token=member["uclusion_token"],
    )
    gateway.drain()
    info = client.request("GET", f"/investibles/{investible}", token=market["token"])

    assert invested.status == 200
    assert info.json["market_infos"][0]["investment_total"] == 7
    remote = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    assert sorted(remote.list_tables()["TableNames"]) == [
        "market-api-dev-markets",
        "market-api-dev-users",
    ]
    assert gateway.stats()["backend"]["mode"] == "endpoint"
