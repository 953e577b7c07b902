"""The gateway's own error answers: 5XX when a function fails, 504 when it is too slow, 413
for an oversized body; each JSON, shaped by gateway.yml, with CORS headers."""

from __future__ import annotations

import time

import pytest

from adapters.local.gateway_responses import (
    MISSING_AUTHENTICATION_TOKEN,
    QUOTA_EXCEEDED,
    Customisation,
    GatewayResponses,
)
from tests.integration.gateway.conftest import TIGHT_TIMEOUT
from tests.integration.gateway.flows import new_market
from tests.integration.gateway.running import Client, RunningGateway

pytestmark = pytest.mark.aws


def assert_gateway_json_with_cors(reply: object) -> None:
    headers = reply.headers  # type: ignore[attr-defined]
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "DELETE,GET,OPTIONS,PATCH,POST"
    assert isinstance(reply.json, dict)  # type: ignore[attr-defined]


def test_a_function_that_fails_is_a_5xx_gateway_response_with_cors(
    gateway: RunningGateway, gateway_faults: None
) -> None:
    client = gateway.client(forbid=())
    market = new_market(client)
    gateway.local("POST", "faults", {"function_errors": ["get_market"]})

    reply = client.request("GET", "/get", token=market["token"])

    assert reply.status == 502
    assert reply.json == {"error_message": "Internal server error", "error_code": "gateway_error"}
    assert_gateway_json_with_cors(reply)


def test_a_slow_function_is_a_504_after_the_integration_timeout(
    tight_gateway: RunningGateway,
) -> None:
    tight_gateway.local("POST", "faults", {"function_delay_ms": {"cognito_login": 3000}})
    client = tight_gateway.client()
    try:
        started = time.monotonic()
        reply = client.request("POST", "/sso/cognito", {"id_token": "x"})
        waited = time.monotonic() - started
    finally:
        tight_gateway.local("POST", "faults", {"function_delay_ms": {}})

    assert reply.status == 504
    assert reply.json == {"error_message": "Endpoint request timed out", "error_code": "timeout"}
    assert_gateway_json_with_cors(reply)
    assert TIGHT_TIMEOUT <= waited < 2.5


def test_a_body_over_api_gateways_limit_is_413_from_the_gateway(client: Client) -> None:
    reply = client.request("POST", "/sso/cognito", raw=b"x" * (10 * 1024 * 1024 + 1))

    assert reply.status == 413
    assert reply.json["error_code"] == "payload_too_large"
    assert_gateway_json_with_cors(reply)


def test_a_body_over_the_apis_limit_is_413_from_the_function(client: Client) -> None:
    reply = client.request("POST", "/sso/cognito", {"id_token": "x" * (70 * 1024)})

    assert reply.status == 413
    assert "x-amzn-errortype" not in reply.headers


def test_connections_are_kept_alive_between_requests(client: Client) -> None:
    client.request("GET", "/nope")
    connection = client._connection
    client.request("GET", "/nope")

    assert connection is not None and client._connection is connection


def test_without_customisation_api_gateways_own_bodies_are_used() -> None:
    responses = GatewayResponses({})

    answer = responses.render(MISSING_AUTHENTICATION_TOKEN, {"requestId": "r"})

    assert answer.status == 403
    assert answer.body == b'{"message": "Missing Authentication Token"}'
    assert answer.headers["x-amzn-RequestId"] == "r"


def test_a_type_without_its_own_resource_takes_the_default_4xx_and_keeps_its_status() -> None:
    default = Customisation(
        parameters={
            "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
            "gatewayresponse.header.X-Origin": "method.request.header.Origin",
        },
        templates={
            "application/json": '{"m":$context.error.messageString,"id":"$context.requestId"}'
        },
    )
    responses = GatewayResponses({"DEFAULT_4XX": default})

    answer = responses.render(QUOTA_EXCEEDED, {"requestId": "r1"}, {"origin": "https://a"})

    assert answer.status == 429
    assert answer.body == b'{"m":"Limit Exceeded","id":"r1"}'
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["X-Origin"] == "https://a"
