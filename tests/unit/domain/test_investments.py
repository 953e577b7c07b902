"""Investing: bounds, the former-quantity compare-and-set, replacement, refusals, removal."""

from __future__ import annotations

import pytest

from domain.errors import (
    Banned,
    ClosedForInvestment,
    InvalidRequest,
    MarketInactive,
    NotAMember,
    NotFound,
    QuantityConflict,
)
from domain.model import MarketType
from tests.unit.domain.conftest import START, FixedClock, Kit, Scene, Services


@pytest.mark.parametrize("quantity", [1, 37, 100])
def test_a_quantity_within_bounds_is_invested(kit: Kit, scene: Scene, quantity: int) -> None:
    investment = kit.invest(scene.member, scene.market_id, scene.investible, quantity)

    assert (investment.quantity, investment.deleted, investment.version) == (quantity, False, 1)
    assert investment.user_id == scene.member
    assert investment.created_at == investment.updated_at == START
    assert kit.live(scene.member, scene.market_id, scene.investible) == investment


@pytest.mark.parametrize("quantity", [0, 101, -101, 1000])
def test_a_quantity_out_of_bounds_is_invalid(kit: Kit, scene: Scene, quantity: int) -> None:
    with pytest.raises(InvalidRequest):
        kit.invest(scene.member, scene.market_id, scene.investible, quantity)

    assert kit.live(scene.member, scene.market_id, scene.investible) is None


@pytest.mark.parametrize("quantity", [0, 101, -101])
def test_a_quantity_out_of_bounds_is_invalid_in_an_initiative_too(kit: Kit, quantity: int) -> None:
    scene = kit.scene(MarketType.INITIATIVE)

    with pytest.raises(InvalidRequest):
        kit.invest(scene.member, scene.market_id, scene.investible, quantity)


@pytest.mark.parametrize("market_type", [MarketType.PLANNING, MarketType.DECISION])
def test_a_negative_quantity_is_refused_outside_initiatives(
    kit: Kit, market_type: MarketType
) -> None:
    scene = kit.scene(market_type)

    with pytest.raises(InvalidRequest):
        kit.invest(scene.member, scene.market_id, scene.investible, -5)


@pytest.mark.parametrize("quantity", [-1, -100])
def test_a_vote_against_is_accepted_in_an_initiative(kit: Kit, quantity: int) -> None:
    scene = kit.scene(MarketType.INITIATIVE)

    investment = kit.invest(scene.member, scene.market_id, scene.investible, quantity)

    assert investment.quantity == quantity


def test_investing_twice_replaces_the_quantity(kit: Kit, scene: Scene, clock: FixedClock) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 30)
    later = clock.advance(minutes=10)

    replaced = kit.invest(scene.member, scene.market_id, scene.investible, 70, former=30)

    assert (replaced.quantity, replaced.version) == (70, 2)
    assert (replaced.created_at, replaced.updated_at) == (START, later)
    investments = kit.services.investments.fetch(scene.member, scene.market_id)
    assert [(i.investible_id, i.quantity) for i in investments] == [(scene.investible, 70)]


def test_a_stale_former_quantity_conflicts_and_tells_the_current_one(
    kit: Kit, scene: Scene
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 30)

    with pytest.raises(QuantityConflict) as raised:
        kit.invest(scene.member, scene.market_id, scene.investible, 50, former=10)

    assert raised.value.details() == {"current_quantity": 30}
    kept = kit.live(scene.member, scene.market_id, scene.investible)
    assert kept is not None and (kept.quantity, kept.version) == (30, 1)


def test_a_first_investment_with_a_nonzero_former_quantity_conflicts(
    kit: Kit, scene: Scene
) -> None:
    with pytest.raises(QuantityConflict) as raised:
        kit.invest(scene.member, scene.market_id, scene.investible, 50, former=20)

    assert raised.value.current_quantity == 0


def test_investing_in_a_closed_investible_is_refused(
    kit: Kit, services: Services, scene: Scene
) -> None:
    services.investibles.update(
        scene.admin,
        scene.market_id,
        scene.investible,
        {"open_for_investment": False},
        kit.request_id(),
    )

    with pytest.raises(ClosedForInvestment):
        kit.invest(scene.member, scene.market_id, scene.investible, 10)


def test_investing_in_a_stage_that_takes_no_investment_is_refused(
    kit: Kit, services: Services, scene: Scene
) -> None:
    approvable, doable = scene.market.stages[:2]
    services.investibles.move(
        scene.admin, scene.market_id, scene.investible, approvable.id, doable.id, "r-move"
    )

    with pytest.raises(ClosedForInvestment):
        kit.invest(scene.member, scene.market_id, scene.investible, 10)


def test_an_investible_created_in_a_closed_stage_takes_no_investment(
    kit: Kit, scene: Scene
) -> None:
    blocked = kit.investible(scene.admin, scene.market_id, stage_id=scene.market.stages[2].id)

    with pytest.raises(ClosedForInvestment):
        kit.invest(scene.member, scene.market_id, blocked.investible.id, 10)


def test_investing_in_an_inactive_market_is_refused(
    kit: Kit, services: Services, scene: Scene
) -> None:
    services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Inactive"}, kit.request_id()
    )

    with pytest.raises(MarketInactive):
        kit.invest(scene.member, scene.market_id, scene.investible, 10)


def test_a_ban_refuses_the_very_next_investment(kit: Kit, scene: Scene) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 10)
    kit.ban(scene.admin, scene.market_id, scene.member)

    with pytest.raises(Banned):
        kit.invest(scene.member, scene.market_id, scene.investible, 20, former=10)


def test_a_user_outside_the_market_cannot_invest(kit: Kit, scene: Scene) -> None:
    with pytest.raises(NotAMember):
        kit.invest(kit.user("eve"), scene.market_id, scene.investible, 10)


def test_investing_in_an_unknown_investible_is_not_found(kit: Kit, scene: Scene) -> None:
    with pytest.raises(NotFound):
        kit.invest(scene.member, scene.market_id, "no-such-investible", 10)


@pytest.mark.parametrize("market_type", [MarketType.PLANNING, MarketType.INITIATIVE])
def test_a_member_keeps_several_live_investments_outside_decisions(
    kit: Kit, market_type: MarketType
) -> None:
    scene = kit.scene(market_type)
    other = kit.investible(scene.admin, scene.market_id, "Second").investible.id

    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    kit.invest(scene.member, scene.market_id, other, 60)

    live = kit.services.investments.fetch(scene.member, scene.market_id)
    assert sorted((i.investible_id, i.quantity, i.deleted) for i in live) == sorted(
        [(scene.investible, 40, False), (other, 60, False)]
    )


def test_removing_an_investment_soft_deletes_it(
    kit: Kit, services: Services, scene: Scene, clock: FixedClock
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    later = clock.advance(hours=1)

    removed = services.investments.remove(
        scene.member, scene.market_id, scene.investible, kit.request_id()
    )

    assert (removed.deleted, removed.quantity, removed.version) == (True, 0, 2)
    assert removed.updated_at == later
    assert kit.live(scene.member, scene.market_id, scene.investible) == removed


def test_removing_when_there_is_no_investment_is_not_found(
    kit: Kit, services: Services, scene: Scene
) -> None:
    with pytest.raises(NotFound):
        services.investments.remove(
            scene.member, scene.market_id, scene.investible, kit.request_id()
        )


def test_removing_twice_is_not_found_the_second_time(
    kit: Kit, services: Services, scene: Scene
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    services.investments.remove(scene.member, scene.market_id, scene.investible, "r-first")

    with pytest.raises(NotFound):
        services.investments.remove(scene.member, scene.market_id, scene.investible, "r-again")


def test_a_banned_member_cannot_remove_an_investment(
    kit: Kit, services: Services, scene: Scene
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    kit.ban(scene.admin, scene.market_id, scene.member)

    with pytest.raises(Banned):
        services.investments.remove(
            scene.member, scene.market_id, scene.investible, kit.request_id()
        )


def test_reinvesting_after_removal_starts_from_a_former_quantity_of_zero(
    kit: Kit, services: Services, scene: Scene
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    services.investments.remove(scene.member, scene.market_id, scene.investible, "r-remove")

    again = kit.invest(scene.member, scene.market_id, scene.investible, 15, former=0)

    assert (again.quantity, again.deleted, again.version) == (15, False, 3)


def test_removing_in_an_inactive_market_is_refused(
    kit: Kit, services: Services, scene: Scene
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Inactive"}, kit.request_id()
    )

    with pytest.raises(MarketInactive):
        services.investments.remove(
            scene.member, scene.market_id, scene.investible, kit.request_id()
        )

    kept = kit.live(scene.member, scene.market_id, scene.investible)
    assert kept is not None and not kept.deleted
