"""Compare-and-sets under concurrency, over HTTP through the local gateway.

Six members, each on two devices racing one another, invest, replace and remove on ONE
investible at the same time, while two admin devices rename the market with version checks.
Afterwards: every 409 was justified, each member's acknowledged writes hold the versions
1..n exactly once (none lost, none doubled) and the stored investment is the last of them,
the market's acknowledged renames likewise, and once the stream has drained the market
info's count and total equal the live investments.
"""

from __future__ import annotations

import pytest

from tests.integration.gateway.flows import create_investible, join, new_market, unique_email
from tests.integration.gateway.running import Client, RunningGateway
from tests.reliability.answers import assert_json_with_cors
from tests.reliability.figures import Figures
from tests.reliability.workload import (
    Device,
    Member,
    aggregate_mismatches,
    devices_for,
    lost_updates,
    run_together,
    unjustified_conflicts,
)

pytestmark = pytest.mark.aws

MEMBERS = 6
DEVICES_PER_MEMBER = 2
OPERATIONS = 8
RENAMES = 6
SEED = 20240611


def member_workload(device: Device, investible_id: str) -> None:
    for _ in range(OPERATIONS):
        believed = device.believed.get(investible_id, 0)
        if believed and device.rng.random() < 0.3:
            outcome = device.remove(investible_id)
            allowed = {200, 404, 409}
        else:
            quantity = device.rng.choice([-1, 1]) * device.rng.randint(1, 100)
            outcome = device.invest(investible_id, quantity)
            allowed = {200, 409}
        assert outcome.status in allowed, outcome


def admin_workload(client: Client, token: str, device: int, seen: list[tuple[int, dict]]) -> None:
    believed = 1
    for number in range(RENAMES):
        body = {"name": f"Renamed by {device} #{number}", "version": believed}
        reply = client.request("PATCH", "/update", body, token=token)
        assert_json_with_cors(reply)
        seen.append((reply.status, reply.json))
        if reply.status == 200:
            believed = reply.json["version"]
        else:
            assert reply.status == 409, reply.json
            assert reply.json["error_code"] == "version_conflict", reply.json
            assert reply.json["current_version"] != body["version"], reply.json
            believed = reply.json["current_version"]


def test_concurrent_compare_and_sets_lose_no_update_and_the_totals_add_up(
    gateway: RunningGateway, api: Client, figures: Figures
) -> None:
    created = new_market(api, "race-admin", market_type="INITIATIVE", name="Races")
    admin_token = created["token"]
    investible_id = create_investible(api, admin_token, "Contested")["investible"]["id"]
    invite = created["market"]["invite_capability"]
    members = [
        Member(joined["user"]["id"], joined["uclusion_token"])
        for joined in (join(api, unique_email(f"racer{i}"), invite) for i in range(MEMBERS))
    ]
    devices = devices_for(gateway, figures, members, DEVICES_PER_MEMBER, SEED)
    admins = [figures.client(gateway) for _ in range(2)]
    renames: list[tuple[int, dict]] = []

    run_together(
        [lambda d=d: member_workload(d, investible_id) for d in devices]
        + [
            lambda n=n, c=c: admin_workload(c, admin_token, n, renames)
            for n, c in enumerate(admins)
        ]
    )
    gateway.drain()

    outcomes = [o for d in devices for o in d.outcomes]
    conflicts = sum(o.status == 409 for o in outcomes)
    figures.add("cases.concurrency_writes", len(outcomes) + len(renames))
    figures.add("concurrency.conflicts_409", conflicts)
    figures.add(
        "concurrency.concurrent_update_409",
        sum(o.status == 409 and o.body["error_code"] == "concurrent_update" for o in outcomes),
    )
    figures.add("concurrency.version_conflicts_409", sum(s == 409 for s, _ in renames))
    lost = lost_updates(api, devices, members, investible_id)
    figures.add("concurrency.lost_updates", len(lost))
    unjustified = unjustified_conflicts(devices)
    assert not unjustified, unjustified
    assert not lost, lost
    assert conflicts > 0, "the devices never raced: the test proves nothing"
    assert not aggregate_mismatches(api, admin_token, members)
    market = api.request("GET", "/get", token=admin_token).json
    renamed = sorted(body["version"] for status, body in renames if status == 200)
    assert renamed == list(range(2, len(renamed) + 2)), renamed
    assert market["version"] == renamed[-1]
    assert market["name"] == next(
        body["name"] for status, body in renames if status == 200 and body["version"] == renamed[-1]
    )
