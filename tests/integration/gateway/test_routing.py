"""Routes and path parameters from serverless.yml, and the proxy event the functions get."""

from __future__ import annotations

import base64

import pytest

from adapters.local.events import HttpRequest, Stage, authorizer_context, proxy_event
from adapters.local.routing import Route, RouteTable
from tests.integration.gateway.flows import create_investible, new_market
from tests.integration.gateway.running import Client, RunningGateway
from tests.support.events import api_event

pytestmark = pytest.mark.aws


def test_every_route_of_serverless_yml_is_served(gateway: RunningGateway) -> None:
    from adapters.deployment.spec import load_spec

    spec = load_spec()
    served = {(r["method"], r["path"], r["function"]) for r in gateway.local("GET", "routes")}

    declared = {(e.method, e.path, f.name) for f, e in spec.routes}
    assert served == declared


def test_a_path_parameter_reaches_the_handler(client: Client) -> None:
    market = new_market(client)
    investible = create_investible(client, market["token"], "Pizza")["investible"]

    reply = client.request("GET", f"/investibles/{investible['id']}", token=market["token"])

    assert reply.status == 200
    assert reply.json["investible"]["name"] == "Pizza"


def test_a_literal_segment_wins_over_a_parameter(client: Client) -> None:
    market = new_market(client)
    investible = create_investible(client, market["token"])
    stages = market["stages"]
    move = {"current_stage_id": stages[0]["id"], "stage_id": stages[1]["id"]}
    path = f"/investibles/state/{investible['investible']['id']}"

    reply = client.request("PATCH", path, move, token=market["token"])

    assert reply.status == 200
    assert reply.json["market_infos"][0]["stage"] == stages[1]["id"]


def test_an_unknown_path_is_a_missing_authentication_token_shaped_by_the_spec(
    client: Client,
) -> None:
    reply = client.request("GET", "/no/such/route")

    assert reply.status == 404  # gateway.yml turns API Gateway's 403 into a 404
    assert reply.json == {"error_message": "No such route", "error_code": "not_found"}
    assert reply.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert reply.headers["access-control-allow-origin"] == "*"


def test_a_known_path_with_another_method_is_a_missing_authentication_token(
    client: Client,
) -> None:
    reply = client.request("DELETE", "/create")

    assert reply.status == 404
    assert reply.json["error_code"] == "not_found"


def test_the_request_id_is_fresh_for_every_request(client: Client) -> None:
    ids = {client.request("GET", "/nope").headers["x-amzn-requestid"] for _ in range(3)}

    assert len(ids) == 3


def test_a_request_id_header_is_ignored_unless_the_gateway_trusts_it(client: Client) -> None:
    reply = client.request("GET", "/nope", headers={"X-Local-Request-Id": "chosen-id"})

    assert reply.headers["x-amzn-requestid"] != "chosen-id"


def test_a_body_that_is_not_utf8_reaches_the_function_in_base64(client: Client) -> None:
    account = client.request("POST", "/sso/cognito", raw=b"\xff\xfe{}")

    assert account.status == 400
    assert account.json["error_code"] == "malformed_body"


def test_repeated_query_parameters_all_reach_the_function(client: Client) -> None:
    from tests.integration.gateway.flows import sign_in, unique_email

    account = sign_in(client, unique_email("reader"))["uclusion_token"]
    first = client.request(
        "POST", "/create", {"market_type": "DECISION", "name": "a"}, token=account
    )
    second = client.request(
        "POST", "/create", {"market_type": "DECISION", "name": "b"}, token=account
    )
    ids = [first.json["market"]["id"], second.json["market"]["id"]]

    reply = client.request("GET", f"/summaries/versions?id={ids[0]}&id={ids[1]}", token=account)

    assert reply.status == 200
    assert sorted(s["market_id"] for s in reply.json["signatures"]) == sorted(ids)


def test_the_proxy_event_has_every_field_of_api_gateways_rest_event() -> None:
    request = HttpRequest(
        "POST",
        "/invest/abc%20d?x=1&x=2&y=",
        [("Host", "localhost:3000"), ("Accept", "a"), ("Accept", "b")],
        b"\x00\xff",
    )
    answer = {"principalId": "u1", "context": {"is_admin": True, "n": 3, "s": "x"}}

    event = proxy_event(
        request,
        Stage("dev", "us-east-1"),
        resource="/invest/{investible_id}",
        path_parameters={"investible_id": "abc d"},
        request_id="rid",
        authorizer=authorizer_context(answer, 4),
        api_key="key",
    )

    reference = api_event("POST", "/invest/{investible_id}", path_parameters={"investible_id": "x"})
    assert set(reference) <= set(event)
    assert set(reference["requestContext"]) <= set(event["requestContext"])
    assert set(reference["requestContext"]["identity"]) <= set(event["requestContext"]["identity"])
    assert event["path"] == "/invest/abc d"
    assert event["pathParameters"] == {"investible_id": "abc d"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert event["headers"]["Accept"] == "b"
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"
    context = event["requestContext"]
    assert context["requestId"] == "rid"
    assert context["path"] == "/dev/invest/abc d"
    assert context["resourcePath"] == "/invest/{investible_id}"
    assert context["identity"]["apiKey"] == "key"
    assert context["authorizer"] == {
        "principalId": "u1",
        "is_admin": "true",
        "n": "3",
        "s": "x",
        "integrationLatency": 4,
    }


def test_an_event_without_query_or_body_has_nulls_as_api_gateway_sends() -> None:
    event = proxy_event(
        HttpRequest("GET", "/get", [("Host", "h")], b""),
        Stage("dev", "us-east-1"),
        resource="/get",
        path_parameters={},
        request_id="r",
        authorizer=None,
        api_key=None,
    )

    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_the_route_table_prefers_literals_then_parameters_then_greedy_paths() -> None:
    table = RouteTable(
        [
            Route("GET", "/items/{id}", "one"),
            Route("GET", "/items/special", "special"),
            Route("GET", "/files/{path+}", "files"),
            Route("ANY", "/any", "any"),
        ]
    )

    assert table.match("GET", "/items/special").route.function == "special"  # type: ignore[union-attr]
    found = table.match("GET", "/items/42")
    assert found is not None and found.parameters == {"id": "42"}
    greedy = table.match("GET", "/files/a/b/c.txt")
    assert greedy is not None and greedy.parameters == {"path": "a/b/c.txt"}
    assert table.match("DELETE", "/any") is not None
    assert table.match("POST", "/items/42") is None
    assert table.match("GET", "/elsewhere") is None
    assert table.match("GET", "/items/") is None
