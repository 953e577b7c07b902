"""Investibles: creating them in a stage, reading, editing, and moving between stages."""

from __future__ import annotations

import pytest

from domain.errors import (
    Banned,
    Forbidden,
    InvalidRequest,
    MarketInactive,
    NotAMember,
    NotFound,
    StageConflict,
    VersionConflict,
)
from domain.services.investibles import NewInvestible
from tests.unit.domain.conftest import START, FixedClock, Kit, Scene, Services


def test_a_new_investible_is_open_with_no_investment_at_version_one(kit: Kit, scene: Scene) -> None:
    created = kit.investible(scene.member, scene.market_id, "Dark mode", description="Please")

    assert (created.investible.name, created.investible.description) == ("Dark mode", "Please")
    assert created.investible.created_by == scene.member
    assert created.info.open_for_investment
    assert (created.info.investment_count, created.info.investment_total) == (0, 0)
    assert (created.investible.version, created.info.version) == (1, 1)
    assert created.info.investible_id == created.investible.id
    assert created.investible.created_at == created.info.updated_at == START


def test_an_investible_can_start_in_a_given_stage(kit: Kit, scene: Scene) -> None:
    backlog = scene.market.stages[3]

    created = kit.investible(scene.member, scene.market_id, stage_id=backlog.id)

    assert (created.info.stage, created.info.stage_name) == (backlog.id, "Backlog")


def test_an_investible_can_start_closed_for_investment(kit: Kit, scene: Scene) -> None:
    created = kit.investible(scene.member, scene.market_id, open_for_investment=False)

    assert not created.info.open_for_investment


def test_creating_in_an_unknown_stage_is_not_found(kit: Kit, scene: Scene) -> None:
    with pytest.raises(NotFound):
        kit.investible(scene.member, scene.market_id, stage_id="stage-of-another-market")


def test_creating_in_an_inactive_market_is_refused(
    kit: Kit, services: Services, scene: Scene
) -> None:
    services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Inactive"}, kit.request_id()
    )

    with pytest.raises(MarketInactive):
        kit.investible(scene.member, scene.market_id)


def test_a_banned_member_cannot_create_an_investible(kit: Kit, scene: Scene) -> None:
    kit.ban(scene.admin, scene.market_id, scene.member)

    with pytest.raises(Banned):
        kit.investible(scene.member, scene.market_id)


def test_a_user_outside_the_market_cannot_create_an_investible(
    kit: Kit, services: Services, scene: Scene
) -> None:
    outsider = kit.user("eve")

    with pytest.raises(NotAMember):
        services.investibles.create(
            outsider, scene.market_id, NewInvestible("Sneaky"), kit.request_id()
        )


def test_a_member_reads_an_investible_with_its_market_info(
    services: Services, scene: Scene
) -> None:
    found = services.investibles.get(scene.member, scene.market_id, scene.investible)

    assert found.investible.id == found.info.investible_id == scene.investible
    assert found.info.market_id == scene.market_id


def test_reading_an_unknown_investible_is_not_found(services: Services, scene: Scene) -> None:
    with pytest.raises(NotFound):
        services.investibles.get(scene.member, scene.market_id, "no-such-investible")


def test_an_investible_of_another_market_is_not_found_here(
    kit: Kit, services: Services, scene: Scene
) -> None:
    elsewhere = kit.create_market(scene.admin).market
    foreign = kit.investible(scene.admin, elsewhere.id).investible.id

    with pytest.raises(NotFound):
        services.investibles.get(scene.admin, scene.market_id, foreign)


def test_the_creator_can_edit_an_investible(
    kit: Kit, services: Services, scene: Scene, clock: FixedClock
) -> None:
    own = kit.investible(scene.member, scene.market_id, "Draft").investible.id
    later = clock.advance(minutes=5)

    edited = services.investibles.update(
        scene.member, scene.market_id, own, {"name": "Final", "description": None}, "r-edit"
    )

    assert (edited.investible.name, edited.investible.description) == ("Final", None)
    assert (edited.investible.version, edited.investible.updated_at) == (2, later)
    assert edited.info.version == 1
    assert services.investibles.get(scene.admin, scene.market_id, own) == edited


def test_an_admin_can_edit_someone_elses_investible(
    kit: Kit, services: Services, scene: Scene
) -> None:
    own = kit.investible(scene.member, scene.market_id).investible.id

    edited = services.investibles.update(
        scene.admin, scene.market_id, own, {"name": "Renamed"}, kit.request_id()
    )

    assert edited.investible.name == "Renamed"


def test_another_member_cannot_edit_an_investible(
    kit: Kit, services: Services, scene: Scene
) -> None:
    with pytest.raises(Forbidden):
        services.investibles.update(
            scene.member, scene.market_id, scene.investible, {"name": "Mine"}, kit.request_id()
        )

    found = services.investibles.get(scene.admin, scene.market_id, scene.investible)
    assert (found.investible.name, found.investible.version) == ("First idea", 1)


@pytest.mark.parametrize("changes", [{}, {"stage": "x"}, {"name": "Ok", "created_by": "eve"}])
def test_an_investible_update_with_no_or_unknown_fields_is_invalid(
    kit: Kit, services: Services, scene: Scene, changes: dict[str, object]
) -> None:
    with pytest.raises(InvalidRequest):
        services.investibles.update(
            scene.admin, scene.market_id, scene.investible, changes, kit.request_id()
        )


def test_an_investible_update_with_a_stale_version_conflicts(
    kit: Kit, services: Services, scene: Scene
) -> None:
    services.investibles.update(
        scene.admin, scene.market_id, scene.investible, {"name": "Second"}, kit.request_id()
    )

    with pytest.raises(VersionConflict) as raised:
        services.investibles.update(
            scene.admin,
            scene.market_id,
            scene.investible,
            {"name": "Third"},
            kit.request_id(),
            expected_version=1,
        )

    assert raised.value.details() == {"current_version": 2}
    found = services.investibles.get(scene.admin, scene.market_id, scene.investible)
    assert found.investible.name == "Second"


def test_closing_and_reopening_moves_only_the_market_info(
    kit: Kit, services: Services, scene: Scene
) -> None:
    closed = services.investibles.update(
        scene.admin,
        scene.market_id,
        scene.investible,
        {"open_for_investment": False},
        kit.request_id(),
    )
    reopened = services.investibles.update(
        scene.admin,
        scene.market_id,
        scene.investible,
        {"open_for_investment": True},
        kit.request_id(),
    )

    assert (closed.info.open_for_investment, closed.info.version) == (False, 2)
    assert (reopened.info.open_for_investment, reopened.info.version) == (True, 3)
    assert closed.investible.version == reopened.investible.version == 1


def test_editing_in_an_inactive_market_is_refused(
    kit: Kit, services: Services, scene: Scene
) -> None:
    services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Inactive"}, kit.request_id()
    )

    with pytest.raises(MarketInactive):
        services.investibles.update(
            scene.admin, scene.market_id, scene.investible, {"name": "Late"}, kit.request_id()
        )


def test_moving_from_the_current_stage_changes_the_stage(
    kit: Kit, services: Services, scene: Scene, clock: FixedClock
) -> None:
    approvable, doable = scene.market.stages[0], scene.market.stages[1]
    later = clock.advance(days=1)

    moved = services.investibles.move(
        scene.member, scene.market_id, scene.investible, approvable.id, doable.id, "r-move"
    )

    assert (moved.info.stage, moved.info.stage_name) == (doable.id, "Doable")
    assert (moved.info.version, moved.info.updated_at) == (2, later)
    assert moved.investible.version == 1
    assert services.investibles.get(scene.admin, scene.market_id, scene.investible) == moved


def test_moving_from_a_stage_it_is_not_in_conflicts_and_tells_the_current_one(
    kit: Kit, services: Services, scene: Scene
) -> None:
    approvable, doable, blocked = scene.market.stages[:3]

    with pytest.raises(StageConflict) as raised:
        services.investibles.move(
            scene.member, scene.market_id, scene.investible, doable.id, blocked.id, "r-1"
        )

    assert raised.value.details() == {"current_stage_id": approvable.id}
    found = services.investibles.get(scene.admin, scene.market_id, scene.investible)
    assert (found.info.stage, found.info.version) == (approvable.id, 1)


def test_moving_to_an_unknown_stage_is_not_found(services: Services, scene: Scene) -> None:
    with pytest.raises(NotFound):
        services.investibles.move(
            scene.member,
            scene.market_id,
            scene.investible,
            scene.market.stages[0].id,
            "no-such-stage",
            "r-1",
        )


def test_moving_an_unknown_investible_is_not_found(services: Services, scene: Scene) -> None:
    first, second = scene.market.stages[:2]

    with pytest.raises(NotFound):
        services.investibles.move(
            scene.member, scene.market_id, "no-such-investible", first.id, second.id, "r-1"
        )
