"""Decision markets: one live vote per member unless the market allows several."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryStore
from domain.errors import InvalidRequest, QuantityConflict
from domain.model import Investment, MarketType
from tests.unit.domain.conftest import FixedClock, Kit, Scene, Services


@pytest.fixture
def decision(kit: Kit) -> Scene:
    return kit.scene(MarketType.DECISION)


def other_option(kit: Kit, scene: Scene) -> str:
    return kit.investible(scene.admin, scene.market_id, "Option B").investible.id


def holdings(kit: Kit, scene: Scene) -> dict[str, Investment]:
    found = kit.services.investments.fetch(scene.member, scene.market_id)
    return {investment.investible_id: investment for investment in found}


def test_voting_for_b_withdraws_the_vote_for_a(
    kit: Kit, decision: Scene, clock: FixedClock
) -> None:
    option_b = other_option(kit, decision)
    first = kit.invest(decision.member, decision.market_id, decision.investible, 60)
    later = clock.advance(minutes=1)

    second = kit.invest(decision.member, decision.market_id, option_b, 80)

    held = holdings(kit, decision)
    withdrawn = held[decision.investible]
    assert (withdrawn.deleted, withdrawn.quantity) == (True, 0)
    assert (withdrawn.version, withdrawn.updated_at) == (first.version + 1, later)
    assert held[option_b] == second
    assert (second.deleted, second.quantity) == (False, 80)


def test_the_withdrawal_and_the_new_vote_are_one_write(
    kit: Kit, store: MemoryStore, decision: Scene, clock: FixedClock
) -> None:
    option_b = other_option(kit, decision)
    kit.invest(decision.member, decision.market_id, decision.investible, 60)
    before = len(store.changes())
    clock.advance(seconds=30)

    vote = kit.invest(decision.member, decision.market_id, option_b, 80)

    written = [c.new for c in store.changes(before) if isinstance(c.new, Investment)]
    assert sorted((i.investible_id, i.deleted) for i in written) == sorted(
        [(option_b, False), (decision.investible, True)]
    )
    assert {i.updated_at for i in written} == {vote.updated_at}


def test_a_refused_vote_for_b_leaves_the_vote_for_a_live(kit: Kit, decision: Scene) -> None:
    option_b = other_option(kit, decision)
    kit.invest(decision.member, decision.market_id, decision.investible, 60)

    with pytest.raises(QuantityConflict):
        kit.invest(decision.member, decision.market_id, option_b, 80, former=5)

    held = holdings(kit, decision)
    assert list(held) == [decision.investible]
    assert (held[decision.investible].quantity, held[decision.investible].version) == (60, 1)


def test_a_vote_can_move_back(kit: Kit, decision: Scene) -> None:
    option_b = other_option(kit, decision)
    kit.invest(decision.member, decision.market_id, decision.investible, 60)
    kit.invest(decision.member, decision.market_id, option_b, 80)

    back = kit.invest(decision.member, decision.market_id, decision.investible, 20, former=0)

    held = holdings(kit, decision)
    assert (back.quantity, back.deleted, back.version) == (20, False, 3)
    assert (held[option_b].deleted, held[option_b].quantity, held[option_b].version) == (
        True,
        0,
        2,
    )


def test_a_withdrawn_vote_counts_as_zero_for_the_former_quantity(kit: Kit, decision: Scene) -> None:
    option_b = other_option(kit, decision)
    kit.invest(decision.member, decision.market_id, decision.investible, 60)
    kit.invest(decision.member, decision.market_id, option_b, 80)

    with pytest.raises(QuantityConflict) as raised:
        kit.invest(decision.member, decision.market_id, decision.investible, 20, former=60)

    assert raised.value.current_quantity == 0


def test_changing_the_quantity_of_the_same_vote_keeps_one_live_vote(
    kit: Kit, decision: Scene
) -> None:
    option_b = other_option(kit, decision)
    kit.invest(decision.member, decision.market_id, decision.investible, 60)
    kit.invest(decision.member, decision.market_id, decision.investible, 90, former=60)

    kit.invest(decision.member, decision.market_id, option_b, 10)

    held = holdings(kit, decision)
    assert (held[decision.investible].deleted, held[decision.investible].version) == (True, 3)
    assert not held[option_b].deleted


def test_after_removing_a_vote_a_new_one_leaves_the_old_alone(
    kit: Kit, services: Services, decision: Scene
) -> None:
    option_b = other_option(kit, decision)
    kit.invest(decision.member, decision.market_id, decision.investible, 60)
    services.investments.remove(
        decision.member, decision.market_id, decision.investible, kit.request_id()
    )

    kit.invest(decision.member, decision.market_id, option_b, 10)

    held = holdings(kit, decision)
    assert (held[decision.investible].deleted, held[decision.investible].version) == (True, 2)
    assert not held[option_b].deleted


def test_other_members_votes_are_not_touched(kit: Kit, decision: Scene) -> None:
    option_b = other_option(kit, decision)
    kit.invest(decision.admin, decision.market_id, decision.investible, 50)
    kit.invest(decision.member, decision.market_id, decision.investible, 60)

    kit.invest(decision.member, decision.market_id, option_b, 80)

    admins = kit.services.investments.fetch(decision.admin, decision.market_id)
    assert [(i.quantity, i.deleted, i.version) for i in admins] == [(50, False, 1)]


def test_with_multi_vote_both_votes_stay_live(kit: Kit) -> None:
    scene = kit.scene(MarketType.DECISION, allow_multi_vote=True)
    option_b = other_option(kit, scene)

    kit.invest(scene.member, scene.market_id, scene.investible, 60)
    kit.invest(scene.member, scene.market_id, option_b, 80)

    held = holdings(kit, scene)
    assert {k: (v.quantity, v.deleted) for k, v in held.items()} == {
        scene.investible: (60, False),
        option_b: (80, False),
    }


def test_multi_vote_cannot_be_turned_off_once_on(kit: Kit, services: Services) -> None:
    scene = kit.scene(MarketType.DECISION)
    option_b = other_option(kit, scene)
    services.markets.update(
        scene.admin, scene.market_id, {"allow_multi_vote": True}, kit.request_id()
    )
    kit.invest(scene.member, scene.market_id, scene.investible, 10)
    kit.invest(scene.member, scene.market_id, option_b, 20)

    with pytest.raises(InvalidRequest):
        services.markets.update(
            scene.admin, scene.market_id, {"allow_multi_vote": False}, kit.request_id()
        )

    live = sorted(i.investible_id for i in holdings(kit, scene).values() if not i.deleted)
    assert live == sorted([scene.investible, option_b])
