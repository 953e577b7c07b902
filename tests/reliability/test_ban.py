"""A ban holds on the very next request, while the authorizer's cached answer (300 s here, as
in serverless.yml) still lets the banned member's token through: the handlers check the
ban on every request. The gateway's counters show the authorizer was not invoked again."""

from __future__ import annotations

import pytest

from tests.integration.gateway.flows import create_investible, join, new_market, unique_email
from tests.integration.gateway.running import Client, RunningGateway
from tests.reliability.answers import assert_refused
from tests.reliability.figures import Figures

pytestmark = pytest.mark.aws


def authorizer(gateway: RunningGateway) -> dict[str, int]:
    counters = gateway.stats()["authorizer"]
    return {"invocations": int(counters["invocations"]), "hits": int(counters["hits"])}


def test_a_ban_refuses_the_next_request_though_the_authorizer_cache_allows_the_token(
    gateway: RunningGateway, api: Client, figures: Figures
) -> None:
    created = new_market(api, "ban-admin", market_type="INITIATIVE")
    admin = created["token"]
    investible = create_investible(api, admin, "Before the ban")["investible"]["id"]
    joined = join(api, unique_email("ban-member"), created["market"]["invite_capability"])
    member, member_id = joined["uclusion_token"], joined["user"]["id"]
    invest = {"investible_id": investible, "quantity": 10}
    assert api.request("POST", "/invest", invest, token=member).status == 200
    assert api.request("GET", "/get", token=admin).status == 200  # both answers now cached
    before = authorizer(gateway)

    banned = api.request("POST", f"/users/ban/{member_id}", {"is_banned": True}, token=admin)
    replies = {
        "invest": api.request(
            "POST", "/invest", {**invest, "quantity": 20, "former_quantity": 10}, token=member
        ),
        "remove": api.request("DELETE", f"/invest/{investible}", token=member),
        "create": api.request("POST", "/investibles/create", {"name": "x"}, token=member),
        "get": api.request("GET", "/get", token=member),
        "investments": api.request("POST", "/investments", {}, token=member),
    }
    during = authorizer(gateway)
    unbanned = api.request("POST", f"/users/ban/{member_id}", {"is_banned": False}, token=admin)
    back = api.request(
        "POST", "/invest", {**invest, "quantity": 30, "former_quantity": 10}, token=member
    )
    after = authorizer(gateway)

    figures.add("cases.ban", len(replies) + 3)
    assert banned.status == 200 and banned.json["market_banned"] is True
    for name, reply in replies.items():
        assert_refused(reply, {403})
        assert reply.json["error_code"] == "banned", (name, reply.json)
    assert during["invocations"] == before["invocations"], "the authorizer ran again"
    assert during["hits"] >= before["hits"] + len(replies) + 1
    assert unbanned.status == 200 and back.status == 200, back.json
    assert after["invocations"] == before["invocations"]
    held = api.request("POST", "/investments", {}, token=member).json
    assert [(i["quantity"], i["version"]) for i in held] == [(30, 2)], "a banned write landed"
