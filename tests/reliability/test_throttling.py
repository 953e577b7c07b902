"""DynamoDB throttling injected at half the calls while members vote in a DECISION market.

Every answer is a success, a justified 409, or a 503 with `Retry-After`; never another 5xx.
Once the faults are lifted and the stream has drained: no partial write (each member holds
exactly one live vote, the one of its last acknowledged write, and its ballot agrees: a
vote moved afterwards leaves one live vote), and the totals and signatures are exact.

The consumer runs throttled too. Now and then it spends its five retries on a batch and
sends the rest of it to the failure destination; those records are then re-driven by
touching the members' investments before the totals are compared (docs/reliability.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.gateway.flows import (
    create_investible,
    create_market,
    join,
    sign_in,
    unique_email,
)
from tests.integration.gateway.running import Client, RunningGateway
from tests.reliability.answers import assert_json_with_cors
from tests.reliability.figures import Figures
from tests.reliability.workload import (
    Device,
    Member,
    aggregate_mismatches,
    devices_for,
    investments_of,
    run_together,
    signature_mismatches,
    touch,
    unjustified_conflicts,
)

pytestmark = pytest.mark.aws

MEMBERS = 6
VOTES = 8
THROTTLE_RATE = 0.5
SEED = 7


def voting(device: Device, investibles: list[str]) -> None:
    for _ in range(VOTES):
        target = device.rng.choice(investibles)
        outcome = device.invest(target, device.rng.randint(1, 100), moves_vote=True)
        if outcome.status == 503:
            assert outcome.retry_after and int(outcome.retry_after) >= 1, outcome
        else:
            assert outcome.status in (200, 409), outcome
        read = device.client.request("GET", "/get", token=device.member.token)
        assert_json_with_cors(read, unavailable_ok=True)
        assert read.status in (200, 503), read.json


def given_up(gateway: RunningGateway) -> int:
    """Records the consumer has sent to the failure destination so far."""
    entries = gateway.local("GET", "failures")["failures"]
    return sum(len(entry["sequenceNumbers"]) for entry in entries)


def stream_counts(gateway: RunningGateway) -> dict[str, int]:
    (mapping,) = gateway.local("GET", "stream")["streams"]
    return {k: v for k, v in mapping.items() if isinstance(v, int)}


def last_votes(devices: list[Device]) -> dict[Member, Any]:
    """Each member's last acknowledged vote (one device per member: in order)."""
    return {
        d.member: next((o for o in reversed(d.outcomes) if o.status == 200), None) for d in devices
    }


def test_throttling_answers_503_with_retry_after_and_never_writes_partially(
    gateway: RunningGateway, api: Client, figures: Figures, gateway_faults: None
) -> None:
    account = sign_in(api, unique_email("throttle-admin"))["uclusion_token"]
    created = create_market(api, account, market_type="DECISION", name="Throttled")
    admin_token = created["token"]
    investibles = [
        create_investible(api, admin_token, name)["investible"]["id"] for name in ("A", "B", "C")
    ]
    invite = created["market"]["invite_capability"]
    members = [
        Member(j["user"]["id"], j["uclusion_token"])
        for j in (join(api, unique_email(f"voter{i}"), invite) for i in range(MEMBERS))
    ]
    devices = devices_for(gateway, figures, members, 1, SEED)
    gateway.drain()
    given_up_before, before = given_up(gateway), stream_counts(gateway)
    throttled_before = gateway.stats()["backend"]["throttled"]

    gateway.local("POST", "faults", {"dynamodb_throttle_rate": THROTTLE_RATE})
    try:
        run_together([lambda d=d: voting(d, investibles) for d in devices])
        gateway.drain()  # the consumer runs throttled too
    finally:
        gateway.local("POST", "faults", {"dynamodb_throttle_rate": 0})
    throttled = gateway.stats()["backend"]["throttled"] - throttled_before
    during = stream_counts(gateway)
    lost_records = given_up(gateway) - given_up_before
    redriven = sum(touch(api, m, single_vote=True) for m in members) if lost_records else 0
    gateway.drain()

    outcomes = [o for d in devices for o in d.outcomes]
    figures.add("cases.throttling_writes", len(outcomes))
    figures.add("throttling.answered_503", sum(o.status == 503 for o in outcomes))
    figures.add(
        "throttling.consumer_partial_failure_retries", during["retries"] - before["retries"]
    )
    figures.add("throttling.records_given_up_by_the_consumer", lost_records)
    figures.add("throttling.redrive_writes", redriven)
    assert throttled > 0
    assert any(o.status == 503 for o in outcomes), "no write was throttled out"
    assert any(o.status == 200 for o in outcomes)
    assert not unjustified_conflicts(devices)
    lost = []
    for member, last in last_votes(devices).items():
        held = investments_of(api, member)
        live = {i: v["quantity"] for i, v in held.items() if not v["deleted"]}
        expected = {} if last is None else {last.investible_id: last.quantity}
        if live != expected:
            lost.append((member.user_id, live, expected))
    figures.add("throttling.lost_or_partial_writes", len(lost))
    assert not lost, lost
    assert not aggregate_mismatches(api, admin_token, members)
    assert not signature_mismatches(api, account, created["market"]["id"], members)

    # The ballots agree with the investments: moving every vote to A leaves exactly one.
    for member in members:
        held = investments_of(api, member).get(investibles[0])
        former = held["quantity"] if held and not held["deleted"] else 0
        body = {"investible_id": investibles[0], "quantity": 10, "former_quantity": former}
        assert api.request("POST", "/invest", body, token=member.token).status == 200
        live = [i for i, v in investments_of(api, member).items() if not v["deleted"]]
        assert live == [investibles[0]], (member, live)
    gateway.drain()
    assert not aggregate_mismatches(api, admin_token, members)
