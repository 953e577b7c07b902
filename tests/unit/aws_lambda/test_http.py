"""Translating proxy events: bodies, limits, validation, errors and CORS on every answer."""

from __future__ import annotations

import json

import pytest

from tests.support.events import WARMUP_EVENT, api_event, gateway_context
from tests.support.harness import Harness


@pytest.fixture
def admin(api: Harness) -> str:
    return api.create_market("admin@example.com")["token"]


def _invest(api: Harness, token: str, **options) -> tuple[int, dict]:
    context = gateway_context(api.authorize(token, "POST", "/invest"))
    response = api.invoke(
        "update_investment", api_event("POST", "/invest", authorizer=context, **options)
    )
    assert response.headers["Access-Control-Allow-Origin"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    return response.status, response.body


def test_a_base64_body_is_decoded(api: Harness, admin: str):
    investible = api.create_investible(admin)["investible"]["id"]

    status, body = _invest(
        api, admin, body={"investible_id": investible, "quantity": 3}, base64=True
    )

    assert status == 200 and body["quantity"] == 3


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "malformed_json"),
        ("[1, 2]", "invalid_request"),
        ('{"investible_id": "i", "quantity": "5"}', "invalid_request"),
        ('{"investible_id": "i", "quantity": 5.0}', "invalid_request"),
        ('{"investible_id": "i", "quantity": 101}', "invalid_request"),
        ('{"investible_id": "i", "quantity": 0}', "invalid_request"),
        ('{"investible_id": "i", "quantity": null}', "invalid_request"),
        ('{"investible_id": "i", "quantity": 1, "extra": true}', "invalid_request"),
        ('{"investible_id": "../etc/passwd", "quantity": 1}', "invalid_request"),
        ('{"quantity": 1}', "invalid_request"),
        ("[" * 100_00 + "]" * 100_00, "malformed_json"),
    ],
)
def test_bad_bodies_are_400_with_a_json_error(api: Harness, admin: str, raw: str, code: str):
    status, body = _invest(api, admin, raw_body=raw)

    assert status == 400
    assert body["error_code"] == code
    assert isinstance(body["error_message"], str)


def test_validation_errors_name_the_fields_without_echoing_the_input(api: Harness, admin: str):
    status, body = _invest(api, admin, raw_body='{"investible_id": "secret-ish", "quantity": "x"}')

    assert status == 400
    assert {"loc": ["quantity"], "msg": "Input should be a valid integer"} in body["errors"]
    assert "secret-ish" not in json.dumps(body)


def test_a_body_over_64_kib_is_413(api: Harness, admin: str):
    status, body = _invest(api, admin, raw_body=json.dumps({"x": "a" * 70_000}))

    assert status == 413 and body["error_code"] == "body_too_large"


def test_invalid_base64_is_400(api: Harness, admin: str):
    event_body = "!!!not-base64!!!"
    context = gateway_context(api.authorize(admin, "POST", "/invest"))
    event = api_event("POST", "/invest", authorizer=context, raw_body=event_body)
    event["isBase64Encoded"] = True

    response = api.invoke("update_investment", event)

    assert response.status == 400


def test_control_characters_in_names_are_refused(api: Harness, admin: str):
    response = api.call(
        "create_investible",
        "POST",
        "/investibles/create",
        token=admin,
        body={"name": "bad\u0000name"},
    )
    surrogate = api.call(
        "create_investible",
        "POST",
        "/investibles/create",
        token=admin,
        raw_body='{"name": "\\ud800"}',
    )

    assert response.status == 400
    assert surrogate.status == 400


def test_an_unexpected_exception_is_500_with_no_detail(api: Harness, admin: str, monkeypatch):
    from adapters.aws_lambda.container import container

    def explode(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(container.markets(), "get", explode)

    response = api.call("get_market", "GET", "/get", token=admin)

    assert response.status == 500
    assert response.body == {
        "error_message": "Something went wrong on our side.",
        "error_code": "internal_error",
    }


def test_a_throttled_dependency_is_503_with_retry_after(api: Harness, admin: str, monkeypatch):
    from adapters.aws_lambda.container import container
    from domain.errors import TemporarilyUnavailable

    def throttled(*args, **kwargs):
        raise TemporarilyUnavailable(retry_after=2)

    monkeypatch.setattr(container.markets(), "get", throttled)

    response = api.call("get_market", "GET", "/get", token=admin)

    assert response.status == 503
    assert response.headers["Retry-After"] == "2"
    assert response.body["error_code"] == "temporarily_unavailable"


def test_a_warm_up_ping_returns_at_once(api: Harness):
    from adapters.aws_lambda import update_investment

    assert update_investment.handler(WARMUP_EVENT, None) == {"warm": True}


def _get_market(api: Harness, token: str, **options) -> tuple[int, dict]:
    context = gateway_context(api.authorize(token, "GET", "/get"))
    response = api.invoke("get_market", api_event("GET", "/get", authorizer=context, **options))
    return response.status, response.body


def test_a_bodyless_route_ignores_an_object_and_refuses_anything_else(api: Harness, admin: str):
    assert _get_market(api, admin, body={"unexpected": 1})[0] == 200
    status, body = _get_market(api, admin, body=[1, 2])
    assert status == 400
    assert body["error_code"] == "invalid_request"


def test_the_caller_is_made_once_per_authorizer_context_and_checked_each_time():
    from adapters.aws_lambda.http import HttpError, Request

    def request(**authorizer) -> Request:
        return Request("r", "GET", "/get", None, authorizer=authorizer)

    member = {"token_type": "market", "user_id": "u-1", "market_id": "m-1", "is_admin": "false"}
    first = request(**member).capability()
    assert request(**member).capability() is first
    admin = request(**member | {"is_admin": "true"}).capability()
    assert admin.is_admin and not first.is_admin
    # A value that cannot be a key of the cache is still read, just not kept.
    odd = request(**member | {"is_admin": ["true"]}).capability()
    assert odd.user_id == "u-1" and not odd.is_admin
    for broken in ({**member, "token_type": "nonsense"}, {**member, "user_id": ""}):
        with pytest.raises(HttpError) as refused:
            request(**broken).capability()
        assert refused.value.status == 401
