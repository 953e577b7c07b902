"""The stream consumer: live totals per market info, signatures and memberships."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adapters.memory import MemoryStore
from domain.model import MarketType, Membership, Signatures
from tests.unit.domain.conftest import (
    FixedClock,
    Kit,
    RecordingTokens,
    Scene,
    Services,
    Stream,
    wire,
)


@dataclass(frozen=True)
class Busy:
    """A planning market after a morning of investing, replacing and removing."""

    scene: Scene
    carol: str
    second: str
    idle: str


def morning(kit: Kit) -> Busy:
    scene = kit.scene()
    services = kit.services
    carol = kit.join("carol", scene.market)
    second = kit.investible(scene.member, scene.market_id, "Second").investible.id
    idle = kit.investible(carol, scene.market_id, "Nobody wants this").investible.id
    kit.invest(scene.admin, scene.market_id, scene.investible, 30)
    kit.invest(scene.member, scene.market_id, scene.investible, 50)
    kit.invest(carol, scene.market_id, second, 20)
    kit.invest(scene.member, scene.market_id, second, 10)
    kit.invest(scene.member, scene.market_id, scene.investible, 70, former=50)
    services.investments.remove(carol, scene.market_id, second, kit.request_id())
    kit.invest(scene.admin, scene.market_id, second, 100)
    return Busy(scene, carol, second, idle)


@pytest.fixture
def busy(kit: Kit) -> Busy:
    return morning(kit)


def test_totals_equal_the_live_investments_after_a_flow(
    kit: Kit, stream: Stream, busy: Busy
) -> None:
    stream.drain()

    totals = kit.info_totals(busy.scene.admin, busy.scene.market_id)
    assert totals == kit.live_totals(busy.scene.admin, busy.scene.market_id)
    assert totals == {busy.scene.investible: (2, 100), busy.second: (2, 110), busy.idle: (0, 0)}


def test_votes_against_count_as_members_and_lower_the_total(kit: Kit, stream: Stream) -> None:
    scene = kit.scene(MarketType.INITIATIVE)
    carol = kit.join("carol", scene.market)
    kit.invest(scene.member, scene.market_id, scene.investible, -40)
    kit.invest(carol, scene.market_id, scene.investible, 30)

    stream.drain()

    assert kit.info_totals(scene.admin, scene.market_id) == {scene.investible: (2, -10)}


def test_totals_trail_writes_until_the_consumer_runs(
    kit: Kit, stream: Stream, scene: Scene
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 40)

    before = kit.info_totals(scene.admin, scene.market_id)
    stream.drain()

    assert before == {scene.investible: (0, 0)}
    assert kit.info_totals(scene.admin, scene.market_id) == {scene.investible: (1, 40)}


def info_version(kit: Kit, scene: Scene) -> int:
    return kit.services.investibles.get(scene.admin, scene.market_id, scene.investible).info.version


def test_the_market_info_version_moves_when_the_totals_move(
    kit: Kit, stream: Stream, scene: Scene
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    stream.drain()
    first = info_version(kit, scene)
    kit.invest(scene.member, scene.market_id, scene.investible, 45, former=40)
    stream.drain()

    assert (first, info_version(kit, scene)) == (2, 3)


def test_the_market_info_version_stays_when_the_totals_do_not_move(
    kit: Kit, stream: Stream, scene: Scene
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    stream.drain()

    kit.invest(scene.member, scene.market_id, scene.investible, 40, former=40)
    stream.drain()

    assert info_version(kit, scene) == 2
    assert kit.info_totals(scene.admin, scene.market_id) == {scene.investible: (1, 40)}


def derived(kit: Kit, scene: Scene) -> tuple[object, ...]:
    """Everything the consumer keeps for a market, to compare before and after a replay."""
    services = kit.services
    users = [p.id for p in services.markets.presences(scene.admin, scene.market_id)]
    return (
        [
            (e.info.id, e.info.version, e.info.investment_count, e.info.investment_total)
            for e in services.investibles.fetch(scene.admin, scene.market_id)
        ],
        [s.entries for s in services.summaries.signatures(scene.admin, [scene.market_id])],
        [services.summaries.memberships(user) for user in users],
    )


def test_applying_the_same_batch_twice_changes_nothing_more(
    kit: Kit, store: MemoryStore, stream: Stream, busy: Busy
) -> None:
    batch = stream.pending()
    first = stream.apply(batch)
    once, written = derived(kit, busy.scene), len(store.changes())

    second = stream.apply(batch)

    assert first.failed == second.failed == ()
    assert derived(kit, busy.scene) == once
    assert len(store.changes()) == written
    stream.position = len(batch)
    stream.drain()
    totals = kit.info_totals(busy.scene.admin, busy.scene.market_id)
    assert totals == kit.live_totals(busy.scene.admin, busy.scene.market_id)


def test_a_batch_split_at_any_point_and_retried_whole_is_exact() -> None:
    batch_size = len(fresh_world()[1].pending())

    for split in range(1, batch_size):
        kit, stream, busy = fresh_world()
        batch = stream.pending()

        stream.apply(batch[:split])
        stream.apply(batch)
        stream.position = len(batch)
        stream.drain()

        totals = kit.info_totals(busy.scene.admin, busy.scene.market_id)
        expected = {busy.scene.investible: (2, 100), busy.second: (2, 110), busy.idle: (0, 0)}
        assert totals == expected, f"split after {split} of {batch_size} changes"


def fresh_world() -> tuple[Kit, Stream, Busy]:
    store, tokens = MemoryStore(), RecordingTokens()
    services = wire(store, tokens, FixedClock())
    kit = Kit(services, tokens)
    busy = morning(kit)
    return kit, Stream(store, services.summaries), busy


def by_type(signatures: Signatures) -> dict[str, dict[tuple[str, str | None], int]]:
    return {
        kind: {(e.object_id_one, e.object_id_two): e.version for e in entries.values()}
        for kind, entries in signatures.entries.items()
    }


def test_signatures_hold_the_latest_version_of_every_object(
    kit: Kit, services: Services, stream: Stream, busy: Busy
) -> None:
    scene = busy.scene
    services.markets.update(scene.admin, scene.market_id, {"name": "Later"}, kit.request_id())
    kit.ban(scene.admin, scene.market_id, busy.carol)
    stream.drain()

    [signatures] = services.summaries.signatures(scene.member, [scene.market_id])

    market = services.markets.get(scene.admin, scene.market_id)
    entries = services.investibles.fetch(scene.admin, scene.market_id)
    presences = services.markets.presences(scene.admin, scene.market_id)
    investments = [
        i for p in presences for i in services.investments.fetch(scene.admin, scene.market_id, p.id)
    ]
    assert signatures.market_id == scene.market_id
    assert by_type(signatures) == {
        "market": {(market.id, None): market.version},
        "stage": {(s.id, None): s.version for s in market.stages},
        "investible": {(e.investible.id, None): e.investible.version for e in entries},
        "market_investible": {(e.info.id, e.investible.id): e.info.version for e in entries},
        "market_capability": {(p.id, None): p.version for p in presences},
        "investment": {(i.investible_id, i.user_id): i.version for i in investments},
    }


def test_signatures_leave_out_markets_the_user_is_not_in(
    kit: Kit, services: Services, stream: Stream, scene: Scene
) -> None:
    elsewhere = kit.create_market(kit.user("eve")).market
    stream.drain()

    mine = services.summaries.signatures(scene.member, [scene.market_id, elsewhere.id])
    theirs = services.summaries.signatures(
        scene.admin, [elsewhere.id, scene.market_id, scene.market_id]
    )

    assert [s.market_id for s in mine] == [scene.market_id]
    assert [s.market_id for s in theirs] == [scene.market_id]


def memberships(services: Services, user_id: str) -> list[tuple[str, bool, bool]]:
    return [(m.market_id, m.active, m.banned) for m in services.summaries.memberships(user_id)]


def test_memberships_list_the_markets_of_a_user(
    kit: Kit, services: Services, stream: Stream, scene: Scene
) -> None:
    other = kit.create_market(scene.admin).market
    stream.drain()

    assert memberships(services, scene.member) == [(scene.market_id, True, False)]
    assert sorted(memberships(services, scene.admin)) == sorted(
        [(scene.market_id, True, False), (other.id, True, False)]
    )
    assert services.summaries.memberships(kit.user("eve")) == []


def test_memberships_follow_a_ban_and_an_unban(
    kit: Kit, services: Services, stream: Stream, scene: Scene
) -> None:
    kit.ban(scene.admin, scene.market_id, scene.member)
    stream.drain()
    banned = memberships(services, scene.member)
    kit.ban(scene.admin, scene.market_id, scene.member, banned=False)
    stream.drain()

    assert banned == [(scene.market_id, True, True)]
    assert memberships(services, scene.member) == [(scene.market_id, True, False)]


def test_memberships_follow_deactivation_and_reactivation(
    kit: Kit, services: Services, stream: Stream, scene: Scene
) -> None:
    stream.drain()
    services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Inactive"}, kit.request_id()
    )
    stream.drain()
    inactive = [memberships(services, user) for user in (scene.admin, scene.member)]
    services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Active"}, kit.request_id()
    )
    stream.drain()

    assert inactive == [[(scene.market_id, False, False)]] * 2
    assert memberships(services, scene.member) == [(scene.market_id, True, False)]
    assert services.summaries.memberships(scene.admin)[0] == Membership(
        scene.admin, scene.market_id, active=True, banned=False, version=1
    )
