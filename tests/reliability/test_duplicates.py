"""Duplicate gateway invocations: the same request id (X-Local-Request-Id, trusted by this
gateway) sent again after the first finished, and sent several times at once. The first
is applied; every other answers 208 with the first answer's body, and nothing is written
twice: after the stream drains, both tables are exactly as the first one left them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.gateway.flows import (
    create_investible,
    create_market,
    id_token,
    join,
    sign_in,
    unique_email,
)
from tests.integration.gateway.running import Client, Reply, RunningGateway
from tests.reliability.answers import assert_json_with_cors
from tests.reliability.figures import Figures
from tests.reliability.tables import Tables, difference
from tests.reliability.workload import run_together

pytestmark = pytest.mark.aws

AT_ONCE = 5


@dataclass(frozen=True)
class Scene:
    """A PLANNING market with one member per kind of write (so the writes stay independent)
    and one investible per kind of change."""

    account_token: str
    admin_token: str
    invite: str
    investors: dict[str, str]
    banned_id: str
    investibles: dict[str, str]
    stage_ids: tuple[str, ...]


@pytest.fixture(scope="module")
def scene(gateway: RunningGateway) -> Scene:
    client = gateway.client()
    account = sign_in(client, unique_email("dup-admin"))["uclusion_token"]
    created = create_market(client, account, market_type="PLANNING", name="Twice")
    invite = created["market"]["invite_capability"]
    investibles = {
        kind: create_investible(client, created["token"], kind)["investible"]["id"]
        for kind in ("invest", "update", "move")
    }
    investors = {
        kind: join(client, unique_email(f"dup-{kind}"), invite)["uclusion_token"]
        for kind in ("once", "at once", "three times", "remover")
    }
    holding = {"investible_id": investibles["invest"], "quantity": 5}
    assert client.request("POST", "/invest", holding, token=investors["remover"]).status == 200
    banned = join(client, unique_email("dup-banned"), invite)["user"]["id"]
    client.close()
    return Scene(
        account_token=account,
        admin_token=created["token"],
        invite=invite,
        investors=investors,
        banned_id=banned,
        investibles=investibles,
        stage_ids=tuple(stage["id"] for stage in created["stages"]),
    )


# name -> the request, as (method, path, body, token), for a scene, a client and the kind
# of test ("once", "at once" or "three times": each invests as another member).
Write = Callable[[Scene, Client, str], tuple[str, str, Any, str | None]]
WRITES: dict[str, Write] = {
    "create a market": lambda s, c, k: (
        "POST",
        "/create",
        {"market_type": "DECISION", "name": "Dup"},
        s.account_token,
    ),
    "create an investible": lambda s, c, k: (
        "POST",
        "/investibles/create",
        {"name": "Dup"},
        s.admin_token,
    ),
    "invest": lambda s, c, k: (
        "POST",
        "/invest",
        {"investible_id": s.investibles["invest"], "quantity": 40},
        s.investors[k],
    ),
    "remove an investment": lambda s, c, k: (
        "DELETE",
        f"/invest/{s.investibles['invest']}",
        None,
        s.investors["remover"],
    ),
    "update the market": lambda s, c, k: (
        "PATCH",
        "/update",
        {"name": f"Renamed {k}"},
        s.admin_token,
    ),
    "update an investible": lambda s, c, k: (
        "PATCH",
        f"/investibles/{s.investibles['update']}",
        {"description": f"Changed {k}"},
        s.admin_token,
    ),
    "move an investible": lambda s, c, k: (
        "PATCH",
        f"/investibles/state/{s.investibles['move']}",
        {"current_stage_id": s.stage_ids[0], "stage_id": s.stage_ids[1]},
        s.admin_token,
    ),
    "ban a member": lambda s, c, k: (
        "POST",
        f"/users/ban/{s.banned_id}",
        {"is_banned": True},
        s.admin_token,
    ),
    "join by invite": lambda s, c, k: (
        "POST",
        "/sso/cognito",
        {"id_token": id_token(c, unique_email("dup-joiner")), "market_token": s.invite},
        None,
    ),
}
FIRST_SIGN_IN: Write = lambda s, c, k: (  # noqa: E731
    "POST",
    "/sso/cognito",
    {"id_token": id_token(c, unique_email("dup-newcomer"))},
    None,
)


def send(client: Client, request: tuple[str, str, Any, str | None], request_id: str) -> Reply:
    method, path, body, token = request
    reply = client.request(
        method, path, body, token=token, headers={"X-Local-Request-Id": request_id}
    )
    assert_json_with_cors(reply)
    return reply


def drained_snapshot(gateway: RunningGateway, tables: Tables) -> dict[str, str]:
    gateway.drain()
    return tables.snapshot()


@pytest.mark.parametrize("write", list(WRITES))
def test_a_request_id_seen_before_answers_208_with_the_first_answer_and_writes_nothing(
    gateway: RunningGateway,
    api: Client,
    tables: Tables,
    scene: Scene,
    figures: Figures,
    write: str,
) -> None:
    request = WRITES[write](scene, api, "once")
    request_id = f"dup-{uuid.uuid4()}"
    first = send(api, request, request_id)
    assert first.status in (200, 201), first.json
    after_first = drained_snapshot(gateway, tables)

    again = send(api, request, request_id)

    figures.add("cases.duplicates")
    assert again.status == 208, again.json
    assert again.json == first.json
    changed = difference(after_first, drained_snapshot(gateway, tables))
    assert not changed, changed


@pytest.mark.parametrize(
    "write",
    ["create a market", "create an investible", "invest", "update the market", "join by invite"],
)
def test_the_same_request_id_at_once_is_applied_once_and_the_others_answer_208(
    gateway: RunningGateway,
    tables: Tables,
    scene: Scene,
    figures: Figures,
    write: str,
) -> None:
    clients = [figures.client(gateway) for _ in range(AT_ONCE)]
    request = WRITES[write](scene, clients[0], "at once")
    request_id = f"dup-at-once-{uuid.uuid4()}"
    replies: list[Reply] = []

    run_together([lambda c=c: replies.append(send(c, request, request_id)) for c in clients])

    figures.add("cases.duplicates", AT_ONCE)
    statuses = sorted(reply.status for reply in replies)
    assert statuses[:-1] == [208] * (AT_ONCE - 1) or statuses[1:] == [208] * (AT_ONCE - 1)
    applied = [reply for reply in replies if reply.status != 208]
    assert len(applied) == 1 and applied[0].status in (200, 201), statuses
    assert all(reply.json == applied[0].json for reply in replies)
    settled = drained_snapshot(gateway, tables)
    assert send(clients[0], request, request_id).status == 208
    changed = difference(settled, drained_snapshot(gateway, tables))
    assert not changed, changed
    for client in clients:
        client.close()


def test_a_duplicate_invest_leaves_the_investment_at_version_one(
    api: Client, scene: Scene, figures: Figures
) -> None:
    request = WRITES["invest"](scene, api, "three times")
    request_id = f"dup-{uuid.uuid4()}"

    replies = [send(api, request, request_id) for _ in range(3)]

    figures.add("cases.duplicates", 3)
    assert [reply.status for reply in replies] == [200, 208, 208]
    stored = api.request("POST", "/investments", {}, token=scene.investors["three times"]).json
    assert [(i["quantity"], i["version"]) for i in stored] == [(40, 1)]


def test_a_duplicated_first_sign_in_writes_nothing_twice(
    gateway: RunningGateway, api: Client, tables: Tables, scene: Scene, figures: Figures
) -> None:
    request = FIRST_SIGN_IN(scene, api, "once")
    request_id = f"dup-{uuid.uuid4()}"
    first = send(api, request, request_id)
    after_first = drained_snapshot(gateway, tables)

    again = send(api, request, request_id)

    figures.add("cases.duplicates")
    assert first.status == 200 and again.status in (200, 208), again.json
    assert again.json["user"] == first.json["user"]
    assert again.json["account"] == first.json["account"]
    changed = difference(after_first, drained_snapshot(gateway, tables))
    assert not changed, changed


def test_a_duplicated_first_sign_in_answers_208_with_the_original_answer(
    api: Client, scene: Scene, figures: Figures
) -> None:
    request = FIRST_SIGN_IN(scene, api, "once")
    request_id = f"dup-{uuid.uuid4()}"
    first = send(api, request, request_id)

    again = send(api, request, request_id)

    figures.add("cases.duplicates")
    assert again.status == 208, again.status
    assert again.json == first.json
