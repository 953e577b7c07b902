"""A decision, end to end over HTTP: sign in, a market with two options, a member who joins,
invests, conflicts, moves the vote and removes it, the admin's changes, and the summaries
that the stream keeps, as a browser client would see them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.gateway.flows import (
    create_investible,
    id_token,
    join,
    sign_in,
    unique_email,
)
from tests.integration.gateway.running import Client, RunningGateway

pytestmark = pytest.mark.aws


def investments(api: Client, token: str) -> dict[str, dict[str, Any]]:
    reply = api.request("POST", "/investments", {}, token=token)
    assert reply.status == 200, reply.json
    return {i["investible_id"]: i for i in reply.json}


def market_info(api: Client, token: str, investible_id: str) -> dict[str, Any]:
    reply = api.request("GET", f"/investibles/{investible_id}", token=token)
    assert reply.status == 200, reply.json
    info: dict[str, Any] = reply.json["market_infos"][0]
    return info


def signatures(api: Client, account_token: str, market_id: str) -> dict[str, list[dict]]:
    reply = api.request("GET", f"/summaries/versions?id={market_id}", token=account_token)
    assert reply.status == 200, reply.json
    (market,) = reply.json["signatures"]
    assert market["market_id"] == market_id
    return {s["type"]: s["object_versions"] for s in market["signatures"]}


def test_a_decision_from_sign_in_to_summaries(api: Client, e2e_gateway: RunningGateway) -> None:
    # The admin signs in with the development identity provider and opens a decision.
    admin_login = sign_in(api, unique_email("admin"))
    account_token = admin_login["uclusion_token"]
    created = api.request(
        "POST",
        "/create",
        {"market_type": "DECISION", "name": "Where to eat", "description": "Friday lunch"},
        token=account_token,
    )
    assert created.status == 201
    market, admin = created.json["market"], created.json["token"]
    assert [s["name"] for s in created.json["stages"]] == ["Approvable", "Proposed"]
    tacos = create_investible(api, admin, "Tacos")["investible"]["id"]
    pizza = create_investible(api, admin, "Pizza")["investible"]["id"]

    # A second member joins with the invite and votes for tacos.
    member_login = join(api, unique_email("member"), market["invite_capability"])
    member = member_login["uclusion_token"]
    assert member_login["market_id"] == market["id"]
    voted = api.request("POST", "/invest", {"investible_id": tacos, "quantity": 50}, token=member)
    assert voted.status == 200
    assert (voted.json["quantity"], voted.json["deleted"]) == (50, False)

    # Believing it held nothing, the member is told what it really holds.
    stale = api.request(
        "POST",
        "/invest",
        {"investible_id": tacos, "quantity": 20, "former_quantity": 0},
        token=member,
    )
    assert stale.status == 409
    assert stale.json["current_quantity"] == 50

    # The vote moves to pizza: the tacos vote is soft-deleted in the same write.
    moved = api.request("POST", "/invest", {"investible_id": pizza, "quantity": 40}, token=member)
    assert moved.status == 200
    held = investments(api, member)
    assert held[tacos]["deleted"] is True and held[tacos]["quantity"] == 0
    assert held[pizza]["deleted"] is False and held[pizza]["quantity"] == 40

    # The stream consumer catches up: aggregates and signatures follow the writes.
    e2e_gateway.drain()
    assert market_info(api, admin, pizza)["investment_count"] == 1
    assert market_info(api, admin, pizza)["investment_total"] == 40
    assert market_info(api, admin, tacos)["investment_count"] == 0
    signed = signatures(api, account_token, market["id"])
    versions = {
        (v["object_id_one"], v.get("object_id_two")): v["version"] for v in signed["investment"]
    }
    user = member_login["user"]["id"]
    assert versions[(tacos, user)] == held[tacos]["version"]
    assert versions[(pizza, user)] == held[pizza]["version"]

    # The member removes the vote; removing it again finds nothing.
    removed = api.request("DELETE", f"/invest/{pizza}", token=member)
    assert removed.status == 200
    assert (removed.json["deleted"], removed.json["quantity"]) == (True, 0)
    assert api.request("DELETE", f"/invest/{pizza}", token=member).status == 404

    # The admin renames the market; the member may not.
    renamed = api.request("PATCH", "/update", {"name": "Where to eat on Friday"}, token=admin)
    assert renamed.status == 200
    assert renamed.json["version"] == market["version"] + 1
    refused = api.request("PATCH", "/update", {"name": "Mine now"}, token=member)
    assert refused.status == 403

    e2e_gateway.drain()
    assert market_info(api, admin, pizza)["investment_count"] == 0
    assert market_info(api, admin, pizza)["investment_total"] == 0
    signed = signatures(api, account_token, market["id"])
    assert signed["market"] == [{"object_id_one": market["id"], "version": renamed.json["version"]}]
    memberships = api.request("GET", "/summaries/versioned", token=account_token)
    assert memberships.status == 200
    assert {"id": market["id"], "active": True, "banned": False} in memberships.json


def test_the_same_gateway_request_id_twice_is_208_with_the_original_answer(
    api: Client, e2e_gateway: RunningGateway
) -> None:
    admin = sign_in_and_create(api)["token"]
    again = {"X-Local-Request-Id": "retry-of-one-gateway-request"}

    first = api.request("POST", "/investibles/create", {"name": "Once"}, token=admin, headers=again)
    second = api.request(
        "POST", "/investibles/create", {"name": "Once"}, token=admin, headers=again
    )

    assert first.status == 201
    assert second.status == 208
    assert second.json == first.json
    listed = api.request("POST", "/investibles", {}, token=admin)
    assert [i["investible"]["name"] for i in listed.json] == ["Once"]


def test_malformed_json_and_unknown_fields_are_400(api: Client) -> None:
    admin = sign_in_and_create(api)["token"]

    malformed = api.request("POST", "/investibles/create", raw=b'{"name": ', token=admin)
    unknown = api.request(
        "POST", "/investibles/create", {"name": "x", "colour": "red"}, token=admin
    )

    assert malformed.status == 400
    assert malformed.json["error_code"] == "malformed_json"
    assert unknown.status == 400
    assert unknown.json["errors"][0]["loc"] == ["colour"]


def test_a_missing_or_forged_token_is_401(api: Client) -> None:
    admin = sign_in_and_create(api)["token"]
    forged = admin[:-4] + ("AAAA" if not admin.endswith("AAAA") else "BBBB")

    assert api.request("GET", "/get", token="undefined").status == 401
    assert api.request("GET", "/get", token=forged).status == 401
    assert api.request("GET", "/summaries/versioned").status == 401


def test_an_object_of_no_market_of_the_caller_is_404(api: Client) -> None:
    admin = sign_in_and_create(api)["token"]
    elsewhere = sign_in_and_create(api)["token"]
    theirs = create_investible(api, elsewhere, "Theirs")["investible"]["id"]

    assert api.request("GET", f"/investibles/{theirs}", token=admin).status == 404
    assert api.request("GET", "/investibles/no-such-id", token=admin).status == 404


def test_a_body_over_64_kib_is_413(api: Client) -> None:
    admin = sign_in_and_create(api)["token"]

    reply = api.request(
        "POST", "/investibles/create", {"name": "x", "description": "d" * 70_000}, token=admin
    )

    assert reply.status == 413


def test_a_banned_member_logging_in_to_the_market_is_410(api: Client) -> None:
    created = sign_in_and_create(api)
    email = unique_email("banned")
    member = join(api, email, created["market"]["invite_capability"])

    banned = api.request(
        "POST",
        f"/users/ban/{member['user']['id']}",
        {"is_banned": True},
        token=created["token"],
    )
    login = api.request(
        "POST",
        "/sso/cognito",
        {"id_token": id_token(api, email), "market_id": created["market"]["id"]},
    )

    assert banned.status == 200 and banned.json["market_banned"] is True, banned.json
    assert login.status == 410, login.json
    assert api.request("GET", "/get", token=member["uclusion_token"]).status == 403


def test_the_usage_plan_answers_429_with_cors_headers(
    api: Client, e2e_gateway: RunningGateway
) -> None:
    admin = sign_in_and_create(api)["token"]
    e2e_gateway.local("POST", "usage-plan", {"rate": 0.001, "burst": 1})
    try:
        first = api.request("GET", "/get", token=admin)
        second = api.request("GET", "/get", token=admin)
    finally:
        e2e_gateway.local("POST", "usage-plan", {"reset": True})

    assert first.status == 200
    assert second.status == 429
    assert second.json["error_code"] == "throttled"
    assert second.headers["access-control-allow-origin"] == "*"


def test_dynamodb_throttling_is_503_with_retry_after_and_writes_nothing(
    api: Client, e2e_gateway: RunningGateway
) -> None:
    admin = sign_in_and_create(api)["token"]
    e2e_gateway.drain()
    e2e_gateway.local("POST", "faults", {"dynamodb_throttle_rate": 1.0})
    try:
        write = api.request("POST", "/investibles/create", {"name": "Lost"}, token=admin)
        read = api.request("GET", "/get", token=admin)
    finally:
        e2e_gateway.local("POST", "faults", {"dynamodb_throttle_rate": 0})

    assert write.status == 503 and read.status == 503
    assert int(write.headers["retry-after"]) >= 1
    assert write.json["error_code"]
    listed = api.request("POST", "/investibles", {}, token=admin)
    assert listed.status == 200 and listed.json == []
    assert e2e_gateway.stats()["backend"]["throttled"] > 0


def sign_in_and_create(api: Client) -> dict[str, Any]:
    account = sign_in(api, unique_email("someone"))["uclusion_token"]
    reply = api.request("POST", "/create", {"market_type": "DECISION", "name": "M"}, token=account)
    assert reply.status == 201, reply.json
    created: dict[str, Any] = reply.json
    return created
