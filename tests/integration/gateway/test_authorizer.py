"""The TOKEN authorizer in front of the routes: 401s, the policy's verdicts and its cache."""

from __future__ import annotations

import time

import pytest

from tests.integration.gateway.conftest import AUTHORIZER_TTL
from tests.integration.gateway.flows import new_market, sign_in, unique_email
from tests.integration.gateway.running import Client, RunningGateway

pytestmark = pytest.mark.aws


def authorizer_invocations(gateway: RunningGateway) -> int:
    return int(gateway.stats()["authorizer"]["invocations"])


def assert_cors(reply: object) -> None:
    headers = reply.headers  # type: ignore[attr-defined]
    assert headers["access-control-allow-origin"] == "*"
    assert "Authorization" in headers["access-control-allow-headers"]
    assert "Content-Type" in headers["access-control-allow-headers"]
    assert headers["content-type"] == "application/json"


def test_a_request_without_authorization_is_401_without_invoking_the_authorizer(
    gateway: RunningGateway, client: Client
) -> None:
    before = authorizer_invocations(gateway)

    missing = client.request("GET", "/get")
    empty = client.request("GET", "/get", headers={"Authorization": ""})

    assert missing.status == empty.status == 401
    assert missing.json == {"error_message": "Unauthorized", "error_code": "unauthorized"}
    assert_cors(missing)
    assert authorizer_invocations(gateway) == before


@pytest.mark.parametrize("token", ["undefined", "garbage.token.here", "Bearer x"])
def test_a_bad_token_is_401_with_cors_headers(client: Client, token: str) -> None:
    reply = client.request("GET", "/get", token=token)

    assert reply.status == 401
    assert reply.json["error_code"] == "unauthorized"
    assert reply.headers["x-amzn-errortype"] == "UnauthorizedException"
    assert_cors(reply)


def test_a_route_the_tokens_policy_does_not_list_is_403(client: Client) -> None:
    account = sign_in(client, unique_email("acct"))["uclusion_token"]

    reply = client.request("GET", "/get", token=account)

    assert reply.status == 403
    assert reply.json == {
        "error_message": "User is not authorized to access this resource",
        "error_code": "forbidden",
    }
    assert reply.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert_cors(reply)


def test_an_invite_token_is_denied_everywhere_by_an_explicit_deny(client: Client) -> None:
    invite = new_market(client)["market"]["invite_capability"]

    reply = client.request("GET", "/users/get", token=invite)

    assert reply.status == 403
    assert reply.json["error_code"] == "forbidden"


def test_the_context_of_the_authorizer_reaches_the_function(client: Client) -> None:
    market = new_market(client)

    reply = client.request("GET", "/get", token=market["token"])

    assert reply.status == 200
    assert reply.json["current_user_id"] == market["presence"]["id"]


def test_the_answer_is_cached_per_token_for_the_ttl(
    gateway: RunningGateway, client: Client
) -> None:
    token = new_market(client)["token"]
    before = authorizer_invocations(gateway)

    first = client.request("GET", "/get", token=token)
    started = time.monotonic()
    second = client.request("GET", "/users/get", token=token)
    within_ttl = time.monotonic() - started < AUTHORIZER_TTL
    after_first_two = authorizer_invocations(gateway)
    time.sleep(AUTHORIZER_TTL + 0.1)
    third = client.request("GET", "/get", token=token)

    assert first.status == second.status == third.status == 200
    assert within_ttl
    assert after_first_two == before + 1
    assert authorizer_invocations(gateway) == before + 2


def test_a_cached_allow_is_still_checked_against_each_routes_arn(
    gateway: RunningGateway, client: Client
) -> None:
    account = sign_in(client, unique_email("cached"))["uclusion_token"]
    created = client.request(
        "POST", "/create", {"market_type": "DECISION", "name": "x"}, token=account
    )
    hits = gateway.stats()["authorizer"]["hits"]

    refused = client.request("GET", "/get", token=account)

    assert created.status == 201
    assert refused.status == 403
    assert gateway.stats()["authorizer"]["hits"] == hits + 1


def test_an_authorizer_that_crashes_is_a_500_with_cors_headers(
    gateway: RunningGateway, gateway_faults: None
) -> None:
    gateway.local("POST", "faults", {"function_errors": ["capability_authorizer"]})
    client = gateway.client(forbid=())

    reply = client.request("GET", "/get", token="never-seen-before-token")

    assert reply.status == 500
    assert reply.json == {"error_message": None, "error_code": "gateway_error"}
    assert reply.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"
    assert_cors(reply)
