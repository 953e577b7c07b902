"""Fetch by signature: objects at least as new as asked are returned, older ones left out."""

from __future__ import annotations

import pytest

from domain.errors import Banned, NotAMember
from domain.model import type_object_id
from tests.unit.domain.conftest import Kit, Scene, Services


@pytest.mark.parametrize("asked", [None, {}])
def test_no_list_or_an_empty_one_returns_every_stage(
    services: Services, scene: Scene, asked: dict[str, int] | None
) -> None:
    stages = services.markets.stages(scene.member, scene.market_id, asked)

    assert stages == list(scene.market.stages)


def test_stages_are_returned_at_or_above_the_asked_version_only(
    services: Services, scene: Scene
) -> None:
    approvable, doable = scene.market.stages[:2]

    stages = services.markets.stages(
        scene.member, scene.market_id, {approvable.id: 1, doable.id: 2, "unknown": 1}
    )

    assert stages == [approvable]


def test_presences_are_returned_at_or_above_the_asked_version_only(
    kit: Kit, services: Services, scene: Scene
) -> None:
    kit.ban(scene.admin, scene.market_id, scene.member)
    kit.ban(scene.admin, scene.market_id, scene.member, banned=False)

    fresh = services.markets.presences(scene.admin, scene.market_id, {scene.member: 3})
    ahead = services.markets.presences(
        scene.admin, scene.market_id, {scene.member: 4, scene.admin: 1}
    )

    assert [(p.id, p.version) for p in fresh] == [(scene.member, 3)]
    assert [p.id for p in ahead] == [scene.admin]


@pytest.mark.parametrize("asked", [None, []])
def test_no_list_or_an_empty_one_returns_every_investible(
    kit: Kit, services: Services, scene: Scene, asked: list[tuple[str, int, dict[str, int]]] | None
) -> None:
    second = kit.investible(scene.member, scene.market_id, "Second").investible.id

    found = services.investibles.fetch(scene.member, scene.market_id, asked)

    assert sorted(entry.investible.id for entry in found) == sorted([scene.investible, second])
    assert all(entry.info.investible_id == entry.investible.id for entry in found)


def test_investibles_are_returned_at_or_above_the_asked_version_only(
    kit: Kit, services: Services, scene: Scene
) -> None:
    second = kit.investible(scene.member, scene.market_id, "Second").investible.id
    services.investibles.update(
        scene.admin, scene.market_id, scene.investible, {"name": "Renamed"}, kit.request_id()
    )

    found = services.investibles.fetch(
        scene.member, scene.market_id, [(scene.investible, 2, {}), (second, 2, {})]
    )

    assert [(e.investible.id, e.investible.version) for e in found] == [(scene.investible, 2)]


def test_an_investible_whose_market_info_is_older_than_asked_is_left_out(
    kit: Kit, services: Services, scene: Scene
) -> None:
    info_id = services.investibles.get(scene.admin, scene.market_id, scene.investible).info.id

    before = services.investibles.fetch(
        scene.member, scene.market_id, [(scene.investible, 1, {info_id: 2})]
    )
    services.investibles.update(
        scene.admin,
        scene.market_id,
        scene.investible,
        {"open_for_investment": False},
        kit.request_id(),
    )
    after = services.investibles.fetch(
        scene.member, scene.market_id, [(scene.investible, 1, {info_id: 2})]
    )

    assert before == []
    assert [(e.info.id, e.info.version) for e in after] == [(info_id, 2)]


def test_investments_come_back_with_deleted_ones_by_type_object_id_and_version(
    kit: Kit, services: Services, scene: Scene
) -> None:
    second = kit.investible(scene.admin, scene.market_id, "Second").investible.id
    kit.invest(scene.member, scene.market_id, scene.investible, 10)
    kit.invest(scene.member, scene.market_id, second, 20)
    services.investments.remove(scene.member, scene.market_id, second, kit.request_id())

    everything = services.investments.fetch(scene.member, scene.market_id)
    asked = services.investments.fetch(
        scene.member,
        scene.market_id,
        asked={type_object_id(scene.investible): 2, type_object_id(second): 2},
    )

    assert sorted((i.investible_id, i.deleted) for i in everything) == sorted(
        [(scene.investible, False), (second, True)]
    )
    assert [(i.type_object_id, i.version, i.deleted) for i in asked] == [
        (type_object_id(second), 2, True)
    ]


def test_investments_of_another_member_are_fetched_by_user_id(
    kit: Kit, services: Services, scene: Scene
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 10)
    kit.invest(scene.admin, scene.market_id, scene.investible, 90)

    theirs = services.investments.fetch(scene.admin, scene.market_id, of_user_id=scene.member)
    mine = services.investments.fetch(scene.admin, scene.market_id)

    assert [(i.user_id, i.quantity) for i in theirs] == [(scene.member, 10)]
    assert [(i.user_id, i.quantity) for i in mine] == [(scene.admin, 90)]


def test_fetching_investments_needs_a_member_in_good_standing(
    kit: Kit, services: Services, scene: Scene
) -> None:
    outsider = kit.user("eve")
    kit.ban(scene.admin, scene.market_id, scene.member)

    with pytest.raises(NotAMember):
        services.investments.fetch(outsider, scene.market_id)
    with pytest.raises(Banned):
        services.investments.fetch(scene.member, scene.market_id)


def test_fetching_investibles_needs_a_member_in_good_standing(
    kit: Kit, services: Services, scene: Scene
) -> None:
    outsider = kit.user("eve")
    kit.ban(scene.admin, scene.market_id, scene.member)

    with pytest.raises(NotAMember):
        services.investibles.fetch(outsider, scene.market_id)
    with pytest.raises(Banned):
        services.investibles.fetch(scene.member, scene.market_id)
