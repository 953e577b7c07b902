"""Members investing at once over HTTP, and what the answers prove afterwards.

A `Device` is one of a member's clients (a member may have several, racing each other): it
keeps the quantity it believes it holds in each investible, sends it as `former_quantity`,
and learns the stored one from 409 answers. Every answer is recorded, so the test can check
afterwards that each 409 was justified and that no acknowledged write was lost.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.integration.gateway.running import Client, RunningGateway
from tests.reliability.figures import Figures

UNKNOWN = None  # what a device believes after a 503: the write may or may not have happened


@dataclass(frozen=True)
class Member:
    """A member of the market: its user id and market token."""

    user_id: str
    token: str


@dataclass
class Outcome:
    """One request of a device and its answer."""

    action: str
    investible_id: str
    former: int | None
    quantity: int | None
    status: int
    body: Any
    retry_after: str | None = None


@dataclass
class Device:
    """One client of one member, with its beliefs and the outcomes it saw."""

    member: Member
    client: Client
    rng: random.Random
    believed: dict[str, int | None] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)

    def invest(self, investible_id: str, quantity: int, moves_vote: bool = False) -> Outcome:
        former = self.believed.get(investible_id, 0)
        sent = 0 if former is UNKNOWN else former
        reply = self.client.request(
            "POST",
            "/invest",
            {"investible_id": investible_id, "quantity": quantity, "former_quantity": sent},
            token=self.member.token,
        )
        outcome = self._record("invest", investible_id, sent, quantity, reply)
        if reply.status == 200:
            if moves_vote:  # a single vote: every other investible now holds nothing
                self.believed = dict.fromkeys(self.believed, 0)
            self.believed[investible_id] = quantity
        self._learn(investible_id, reply)
        return outcome

    def remove(self, investible_id: str) -> Outcome:
        reply = self.client.request("DELETE", f"/invest/{investible_id}", token=self.member.token)
        outcome = self._record("remove", investible_id, self.believed.get(investible_id), 0, reply)
        if reply.status in (200, 404):
            self.believed[investible_id] = 0
        self._learn(investible_id, reply)
        return outcome

    def _learn(self, investible_id: str, reply: Any) -> None:
        if (
            reply.status == 409
            and isinstance(reply.json, dict)
            and "current_quantity" in reply.json
        ):
            self.believed[investible_id] = int(reply.json["current_quantity"])
        elif reply.status == 503:
            self.believed[investible_id] = UNKNOWN

    def _record(
        self, action: str, investible_id: str, former: int | None, quantity: int, reply: Any
    ) -> Outcome:
        outcome = Outcome(
            action,
            investible_id,
            former,
            quantity,
            reply.status,
            reply.json,
            reply.headers.get("retry-after"),
        )
        self.outcomes.append(outcome)
        return outcome


def run_together(workers: Sequence[Callable[[], None]], timeout: float = 120.0) -> None:
    """Start every worker at the same moment on its own thread; re-raise the first error."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(work,), daemon=True) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker did not finish in time"
    if errors:
        raise errors[0]


def devices_for(
    gateway: RunningGateway, figures: Figures, members: Sequence[Member], per_member: int, seed: int
) -> list[Device]:
    """`per_member` devices for each member, each with its own client and random stream."""
    return [
        Device(member, figures.client(gateway), random.Random(seed * 1000 + index))
        for index, member in enumerate(members * per_member)
    ]


def investments_of(client: Client, member: Member) -> dict[str, dict[str, Any]]:
    """The member's investments (deleted ones too), by investible id, read as the member."""
    reply = client.request("POST", "/investments", {}, token=member.token)
    assert reply.status == 200, reply.json
    return {entry["investible_id"]: entry for entry in reply.json}


def market_infos(client: Client, token: str) -> dict[str, dict[str, Any]]:
    """Each investible's market info, by investible id."""
    reply = client.request("POST", "/investibles", {}, token=token)
    assert reply.status == 200, reply.json
    return {entry["investible"]["id"]: entry["market_infos"][0] for entry in reply.json}


def aggregate_mismatches(client: Client, admin_token: str, members: Sequence[Member]) -> list[str]:
    """Where a market info's count or total differs from its live investments."""
    live: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for member in members:
        for investible_id, investment in investments_of(client, member).items():
            if not investment["deleted"]:
                live[investible_id] += 1
                totals[investible_id] += investment["quantity"]
    problems = []
    for investible_id, info in market_infos(client, admin_token).items():
        expected = (live[investible_id], totals[investible_id])
        found = (info["investment_count"], info["investment_total"])
        if found != expected:
            problems.append(f"{investible_id}: count/total {found}, live investments {expected}")
    return problems


def unjustified_conflicts(devices: Sequence[Device]) -> list[str]:
    """Refusals a race does not explain. A `quantity_conflict` must name a stored quantity
    other than the former one sent, and one the member had written (or 0); a
    `concurrent_update`, or a removal finding nothing, needs another of the member's devices
    to have written that investment (nobody else writes it)."""
    problems = []
    for device in devices:
        others = [d for d in devices if d.member == device.member and d is not device]
        acknowledged = {0} | {
            o.quantity
            for d in [device, *others]
            for o in d.outcomes
            if o.status == 200 and o.action == "invest"
        }
        raced = any(o.status == 200 for d in others for o in d.outcomes)
        removed_elsewhere = any(
            o.status == 200 and o.action == "remove" for d in others for o in d.outcomes
        )
        for outcome in device.outcomes:
            body = outcome.body if isinstance(outcome.body, dict) else {}
            code = body.get("error_code")
            who = device.member.user_id
            if outcome.status == 404 and outcome.action == "remove" and not removed_elsewhere:
                problems.append(f"{who}: removal refused 404 though no other device removed")
            if outcome.status != 409:
                continue
            if code == "concurrent_update":
                if not raced:
                    problems.append(f"{who}: concurrent_update with no other writer")
            elif code != "quantity_conflict" or body.get("current_quantity") == outcome.former:
                problems.append(f"{who}: unjustified 409 {body}")
            elif body["current_quantity"] not in acknowledged:
                problems.append(f"{who}: 409 names {body['current_quantity']}, never written")
    return problems


def lost_updates(
    client: Client, devices: Sequence[Device], members: Sequence[Member], investible_id: str
) -> list[str]:
    """For each member: the acknowledged writes carry the versions 1..n once each, and the
    stored investment is the one of version n. Anything else lost or doubled a write."""
    problems = []
    for member in members:
        acknowledged = sorted(
            (o.body["version"], o)
            for d in devices
            if d.member == member
            for o in d.outcomes
            if o.status == 200 and o.investible_id == investible_id
        )
        versions = [version for version, _ in acknowledged]
        stored = investments_of(client, member).get(investible_id)
        if not acknowledged:
            if stored is not None:
                problems.append(f"{member.user_id}: stored {stored} but no write acknowledged")
            continue
        if versions != list(range(1, len(versions) + 1)):
            problems.append(f"{member.user_id}: acknowledged versions {versions}")
        last = acknowledged[-1][1].body
        if stored is None or (stored["version"], stored["quantity"], stored["deleted"]) != (
            last["version"],
            last["quantity"],
            last["deleted"],
        ):
            problems.append(f"{member.user_id}: stored {stored}, last acknowledged {last}")
    return problems


def signature_mismatches(
    client: Client, account_token: str, market_id: str, members: Sequence[Member]
) -> list[str]:
    """Investments whose `investment` signature is not their stored version."""
    reply = client.request("GET", f"/summaries/versions?id={market_id}", token=account_token)
    assert reply.status == 200, reply.json
    signed: dict[tuple[str, str], int] = {}
    for market in reply.json["signatures"]:
        for signature in market["signatures"]:
            if signature["type"] == "investment":
                for entry in signature["object_versions"]:
                    key = (entry["object_id_one"], entry.get("object_id_two", ""))
                    signed[key] = entry["version"]
    problems = []
    for member in members:
        for investible_id, investment in investments_of(client, member).items():
            found = signed.get((investible_id, member.user_id))
            if found != investment["version"]:
                problems.append(
                    f"{member.user_id} in {investible_id}: signed {found}, "
                    f"stored {investment['version']}"
                )
    return problems


def touch(client: Client, member: Member, single_vote: bool) -> int:
    """Write each of the member's investments again, leaving the same quantities live: every
    one gets a new version, whose stream record supersedes any the consumer gave up on.
    Returns the writes made."""
    token = member.token
    writes = 0

    def ok(reply: Any) -> None:
        nonlocal writes
        writes += 1
        assert reply.status == 200, reply.json

    held = investments_of(client, member)
    live = {i: v["quantity"] for i, v in held.items() if not v["deleted"]}
    for investible_id, investment in held.items():
        if investment["deleted"]:
            body = {"investible_id": investible_id, "quantity": 1, "former_quantity": 0}
            ok(client.request("POST", "/invest", body, token=token))
            ok(client.request("DELETE", f"/invest/{investible_id}", token=token))
    for investible_id, quantity in live.items():
        # In a single-vote market the touches above moved the vote away: it is back to 0.
        former = 0 if single_vote and len(held) > len(live) else quantity
        body = {"investible_id": investible_id, "quantity": quantity, "former_quantity": former}
        ok(client.request("POST", "/invest", body, token=token))
    return writes
