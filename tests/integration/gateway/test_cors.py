"""CORS: a preflight on every route, and CORS headers on the answers of the gateway itself."""

from __future__ import annotations

import re

import pytest

from adapters.deployment.spec import load_spec
from tests.integration.gateway.running import Client

pytestmark = pytest.mark.aws

ROUTES = sorted({(event.path, event.method) for _, event in load_spec().routes})


@pytest.mark.parametrize(("path", "method"), ROUTES)
def test_every_route_answers_a_preflight(client: Client, path: str, method: str) -> None:
    concrete = re.sub(r"\{[^}]+\}", "some-id", path)

    reply = client.request(
        "OPTIONS",
        concrete,
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )

    assert reply.status == 200
    headers = reply.headers
    assert headers["access-control-allow-origin"] == "*"
    allowed_headers = headers["access-control-allow-headers"].split(",")
    assert "Authorization" in allowed_headers and "Content-Type" in allowed_headers
    assert method in headers["access-control-allow-methods"].split(",")
    assert "OPTIONS" in headers["access-control-allow-methods"].split(",")
    assert headers["access-control-max-age"] == "600"


def test_a_preflight_names_every_method_of_a_resource(client: Client) -> None:
    reply = client.request("OPTIONS", "/investibles/abc")

    assert set(reply.headers["access-control-allow-methods"].split(",")) == {
        "GET",
        "PATCH",
        "OPTIONS",
    }


def test_a_preflight_on_an_unknown_path_is_refused_with_cors_headers(client: Client) -> None:
    reply = client.request("OPTIONS", "/nowhere")

    assert reply.status == 404
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.json["error_code"] == "not_found"


def test_function_answers_carry_the_functions_own_cors_headers(client: Client) -> None:
    reply = client.request("POST", "/sso/cognito", {"id_token": "not-a-token"})

    assert reply.status == 401
    assert reply.headers["access-control-allow-origin"] == "*"
    assert "x-amzn-errortype" not in reply.headers  # the function answered, not the gateway
