"""The stream consumer failing: its storage throttled while it processes (it reports partial
batch failures, the mapping retries from the first failed record), and the function itself
failing (the mapping bisects the batch and retries). Past the retry limit the records go to
the failure destination, and the totals and signatures stay behind until those objects are
written again: nothing re-drives them by itself (see docs/reliability.md, "Re-drive").
Touching each investment (writing it again unchanged) re-drives them, and the totals and
signatures are exact again.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from tests.reliability.figures import Figures
from tests.reliability.workload import (
    Member,
    aggregate_mismatches,
    signature_mismatches,
    touch,
)

pytestmark = pytest.mark.aws

MEMBERS = 6
# Each call of the consumer waits this long before it runs: the records of the last writes
# reach a call that runs after the throttle is on, however long the round took.
CONSUMER_DELAY_MS = 1000


@dataclass(frozen=True)
class Scene:
    account_token: str
    admin_token: str
    market_id: str
    investibles: tuple[str, ...]
    members: tuple[Member, ...]


@pytest.fixture
def scene(api: Client) -> Scene:
    account = sign_in(api, unique_email("stream-admin"))["uclusion_token"]
    created = create_market(api, account, market_type="INITIATIVE", name="Consumer faults")
    investibles = tuple(
        create_investible(api, created["token"], name)["investible"]["id"] for name in "XY"
    )
    invite = created["market"]["invite_capability"]
    members = tuple(
        Member(j["user"]["id"], j["uclusion_token"])
        for j in (join(api, unique_email(f"streamer{i}"), invite) for i in range(MEMBERS))
    )
    return Scene(account, created["token"], created["market"]["id"], investibles, members)


def write_round(api: Client, scene: Scene, round_number: int) -> None:
    """Each member sets a new quantity in each investible (removing one now and then)."""
    for index, member in enumerate(scene.members):
        held = {
            e["investible_id"]: e
            for e in api.request("POST", "/investments", {}, token=member.token).json
        }
        for investible_id in scene.investibles:
            current = held.get(investible_id)
            former = current["quantity"] if current and not current["deleted"] else 0
            if former and (index + round_number) % 4 == 0:
                reply = api.request("DELETE", f"/invest/{investible_id}", token=member.token)
            else:
                quantity = (index + 1) * (round_number + 2) * (-1) ** index
                body = {
                    "investible_id": investible_id,
                    "quantity": quantity,
                    "former_quantity": former,
                }
                reply = api.request("POST", "/invest", body, token=member.token)
            assert reply.status == 200, reply.json


def counts(gateway: RunningGateway) -> dict[str, int]:
    (mapping,) = gateway.local("GET", "stream")["streams"]
    return {k: v for k, v in mapping.items() if isinstance(v, int)}


def destination(gateway: RunningGateway) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = gateway.local("GET", "failures")["failures"]
    return found


def mismatches(api: Client, scene: Scene) -> list[str]:
    return aggregate_mismatches(api, scene.admin_token, scene.members) + signature_mismatches(
        api, scene.account_token, scene.market_id, scene.members
    )


def redrive(api: Client, gateway: RunningGateway, scene: Scene, figures: Figures) -> None:
    writes = sum(touch(api, member, single_vote=False) for member in scene.members)
    figures.add("stream_failures.redrive_writes", writes)
    gateway.drain()


def test_a_throttled_consumer_checkpoints_retries_gives_up_then_converges_after_a_redrive(
    gateway: RunningGateway, api: Client, scene: Scene, figures: Figures, gateway_faults: None
) -> None:
    write_round(api, scene, 0)
    gateway.drain()
    assert not mismatches(api, scene)
    before, given_up_before = counts(gateway), len(destination(gateway))

    # The consumer's first call waits while the round lands, then runs with every call of
    # its storage throttled; the API itself wrote unthrottled.
    gateway.local("POST", "faults", {"function_delay_ms": {"process_stream": CONSUMER_DELAY_MS}})
    write_round(api, scene, 1)
    gateway.local("POST", "faults", {"dynamodb_throttle_rate": 1.0, "function_delay_ms": {}})
    try:
        gateway.drain()
    finally:
        gateway.local("POST", "faults", {"dynamodb_throttle_rate": 0})

    after = counts(gateway)
    given_up = destination(gateway)[given_up_before:]
    figures.add("cases.stream_failures")
    figures.add("stream_failures.partial_failure_retries", after["retries"] - before["retries"])
    figures.add(
        "stream_failures.records_processed_in_the_throttled_round",
        after["processed"] - before["processed"],
    )
    figures.add(
        "stream_failures.records_given_up", sum(len(g["sequenceNumbers"]) for g in given_up)
    )
    assert after["retries"] - before["retries"] >= 5
    assert given_up, "the consumer should have given up on the throttled records"
    assert {g["requestContext"]["condition"] for g in given_up} == {"RetryAttemptsExhausted"}
    assert {g["responseContext"]["functionError"] for g in given_up} == {"PartialBatchFailure"}
    assert all(g["requestContext"]["approximateInvokeCount"] == 6 for g in given_up)
    assert after["bisections"] == before["bisections"], "a partial failure is not an error"
    assert after["lag"] == 0
    assert mismatches(api, scene), "records were given up, yet nothing is behind"

    redrive(api, gateway, scene, figures)

    assert not mismatches(api, scene)


def test_a_failing_consumer_is_bisected_retried_given_up_then_converges_after_a_redrive(
    gateway: RunningGateway, api: Client, scene: Scene, figures: Figures, gateway_faults: None
) -> None:
    write_round(api, scene, 0)
    gateway.drain()
    before, given_up_before = counts(gateway), len(destination(gateway))

    gateway.local("POST", "faults", {"function_errors": ["process_stream"]})
    try:
        write_round(api, scene, 1)
        gateway.drain()
    finally:
        gateway.local("POST", "faults", {"function_errors": []})

    after = counts(gateway)
    given_up = destination(gateway)[given_up_before:]
    figures.add("cases.stream_failures")
    figures.add("stream_failures.bisections", after["bisections"] - before["bisections"])
    figures.add(
        "stream_failures.records_given_up", sum(len(g["sequenceNumbers"]) for g in given_up)
    )
    assert after["bisections"] > before["bisections"]
    assert given_up
    assert all("InjectedFailure" in g["responseContext"]["functionError"] for g in given_up)
    # Bisection ends with batches of one record, each tried 1 + 5 times.
    assert {g["DDBStreamBatchInfo"]["batchSize"] for g in given_up} == {1}
    assert after["lag"] == 0
    assert mismatches(api, scene)

    redrive(api, gateway, scene, figures)

    assert not mismatches(api, scene)
