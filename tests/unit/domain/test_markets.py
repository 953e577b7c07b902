"""Markets: creation, default stages, who may read them, and updates."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.errors import (
    Banned,
    InvalidRequest,
    NotAdmin,
    NotAMember,
    NotFound,
    VersionConflict,
)
from domain.identity import personal_account_id
from domain.model import MarketStage, MarketType
from domain.services.markets import NewMarket
from ports.tokens import Capability, TokenType
from tests.unit.domain.conftest import START, FixedClock, Kit, Scene, Services

DEFAULT_STAGES = {
    MarketType.PLANNING: [
        ("Approvable", True),
        ("Doable", False),
        ("Blocked", False),
        ("Backlog", False),
    ],
    MarketType.DECISION: [("Approvable", True), ("Proposed", False)],
    MarketType.INITIATIVE: [("Approvable", True)],
}


@pytest.mark.parametrize("market_type", list(MarketType))
def test_a_new_market_has_the_default_stages_of_its_type_in_order(
    kit: Kit, market_type: MarketType
) -> None:
    created = kit.create_market(kit.user("ada"), market_type)

    stages = [(stage.name, stage.allows_investment) for stage in created.market.stages]
    assert stages == DEFAULT_STAGES[market_type]
    assert all(stage.market_id == created.market.id for stage in created.market.stages)
    assert [s["id"] for s in created.view()["stages"]] == [s.id for s in created.market.stages]


@pytest.mark.parametrize("market_type", list(MarketType))
def test_a_new_investible_starts_in_the_first_stage(kit: Kit, market_type: MarketType) -> None:
    admin = kit.user("ada")
    market = kit.create_market(admin, market_type).market

    info = kit.investible(admin, market.id).info

    assert (info.stage, info.stage_name) == (market.stages[0].id, "Approvable")


def test_a_new_market_is_active_at_version_one_with_the_default_settings(
    kit: Kit, clock: FixedClock
) -> None:
    market = kit.create_market(kit.user("ada"), MarketType.DECISION).market

    assert market.market_stage is MarketStage.ACTIVE
    assert (market.investment_expiration, market.allow_multi_vote) == (14, False)
    assert market.version == 1
    assert market.created_at == market.updated_at == clock.now() == START


def test_the_creator_becomes_admin_and_gets_an_admin_market_token(kit: Kit) -> None:
    ada = kit.user("ada")

    created = kit.create_market(ada, MarketType.PLANNING)

    assert created.presence.is_admin and not created.presence.market_banned
    assert created.presence.id == ada == created.market.created_by
    assert kit.tokens.verify(created.token) == Capability(
        user_id=ada,
        token_type=TokenType.MARKET,
        account_id=created.market.account_id,
        market_id=created.market.id,
        is_admin=True,
    )


def test_the_invite_capability_is_an_invite_token_for_the_market(kit: Kit) -> None:
    created = kit.create_market(kit.user("ada"))

    invite = kit.tokens.verify(created.market.invite_capability)

    assert invite.token_type is TokenType.MARKET_INVITE
    assert (invite.market_id, invite.is_admin) == (created.market.id, False)
    assert created.market.invite_capability != created.token


def test_creating_a_market_needs_a_user_who_signed_in(kit: Kit, services: Services) -> None:
    new = NewMarket(MarketType.PLANNING, "Nobody's market")

    with pytest.raises(NotAMember):
        services.markets.create("user-never-seen", "account-x", new, kit.request_id())


READS: dict[str, Callable[[Services, str, str], object]] = {
    "get": lambda s, user, market: s.markets.get(user, market),
    "stages": lambda s, user, market: s.markets.stages(user, market),
    "presences": lambda s, user, market: s.markets.presences(user, market),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_member_can_read_the_market(
    services: Services, scene: Scene, read: Callable[[Services, str, str], object]
) -> None:
    assert read(services, scene.member, scene.market_id)


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_user_outside_the_market_cannot_read_it(
    kit: Kit, services: Services, scene: Scene, read: Callable[[Services, str, str], object]
) -> None:
    outsider = kit.user("eve")

    with pytest.raises(NotAMember):
        read(services, outsider, scene.market_id)


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_banned_member_cannot_read_the_market(
    kit: Kit, services: Services, scene: Scene, read: Callable[[Services, str, str], object]
) -> None:
    kit.ban(scene.admin, scene.market_id, scene.member)

    with pytest.raises(Banned):
        read(services, scene.member, scene.market_id)


def test_presences_list_every_member_with_the_admin_flag(services: Services, scene: Scene) -> None:
    presences = services.markets.presences(scene.member, scene.market_id)

    assert {(p.id, p.is_admin) for p in presences} == {(scene.admin, True), (scene.member, False)}


def test_only_an_admin_may_update_the_market(kit: Kit, services: Services, scene: Scene) -> None:
    with pytest.raises(NotAdmin):
        services.markets.update(scene.member, scene.market_id, {"name": "Mine"}, kit.request_id())

    assert services.markets.get(scene.admin, scene.market_id).name == scene.market.name


@pytest.mark.parametrize("changes", [{}, {"colour": "red"}, {"name": "Fine", "owner": "eve"}])
def test_an_update_with_no_or_unknown_fields_is_invalid(
    kit: Kit, services: Services, scene: Scene, changes: dict[str, object]
) -> None:
    with pytest.raises(InvalidRequest):
        services.markets.update(scene.admin, scene.market_id, changes, kit.request_id())

    assert services.markets.get(scene.admin, scene.market_id).version == 1


def test_an_update_bumps_the_version_and_updated_at(
    kit: Kit, services: Services, scene: Scene, clock: FixedClock
) -> None:
    later = clock.advance(hours=3)

    updated = services.markets.update(
        scene.admin,
        scene.market_id,
        {"name": "Roadmap", "description": "Next quarter", "investment_expiration": 30},
        kit.request_id(),
    )

    assert (updated.name, updated.description, updated.investment_expiration) == (
        "Roadmap",
        "Next quarter",
        30,
    )
    assert (updated.version, updated.updated_at, updated.created_at) == (2, later, START)
    assert services.markets.get(scene.member, scene.market_id) == updated


def test_every_update_bumps_the_version_again(kit: Kit, services: Services, scene: Scene) -> None:
    for name in ("One", "Two", "Three"):
        services.markets.update(scene.admin, scene.market_id, {"name": name}, kit.request_id())

    assert services.markets.get(scene.admin, scene.market_id).version == 4


def test_an_update_with_a_stale_version_conflicts_and_tells_the_current_one(
    kit: Kit, services: Services, scene: Scene
) -> None:
    services.markets.update(scene.admin, scene.market_id, {"name": "New"}, kit.request_id())

    with pytest.raises(VersionConflict) as raised:
        services.markets.update(
            scene.admin, scene.market_id, {"name": "Newer"}, kit.request_id(), expected_version=1
        )

    assert raised.value.current_version == 2
    assert raised.value.details() == {"current_version": 2}
    assert services.markets.get(scene.admin, scene.market_id).name == "New"


def test_an_update_with_the_current_version_applies(
    kit: Kit, services: Services, scene: Scene
) -> None:
    updated = services.markets.update(
        scene.admin, scene.market_id, {"allow_multi_vote": True}, kit.request_id(), 1
    )

    assert (updated.allow_multi_vote, updated.version) == (True, 2)


def test_an_admin_can_deactivate_and_reactivate_the_market(
    kit: Kit, services: Services, scene: Scene
) -> None:
    inactive = services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Inactive"}, kit.request_id()
    )
    active = services.markets.update(
        scene.admin, scene.market_id, {"market_stage": MarketStage.ACTIVE}, kit.request_id()
    )

    assert (inactive.market_stage, inactive.is_active) == (MarketStage.INACTIVE, False)
    assert (active.market_stage, active.version) == (MarketStage.ACTIVE, 3)
    assert services.markets.get(scene.member, scene.market_id).is_active


def test_reading_an_unknown_market_is_not_found(kit: Kit, services: Services) -> None:
    with pytest.raises(NotFound):
        services.markets.get(kit.user("ada"), "no-such-market")


def test_an_update_to_an_unknown_market_stage_is_invalid(
    kit: Kit, services: Services, scene: Scene
) -> None:
    with pytest.raises(InvalidRequest):
        services.markets.update(
            scene.admin, scene.market_id, {"market_stage": "Closed"}, kit.request_id()
        )


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_an_update_to_an_expiration_out_of_range_is_invalid(
    kit: Kit, services: Services, scene: Scene, days: int
) -> None:
    with pytest.raises(InvalidRequest):
        services.markets.update(
            scene.admin, scene.market_id, {"investment_expiration": days}, kit.request_id()
        )


@pytest.mark.parametrize("days", [0, 3651])
def test_creating_a_market_with_an_expiration_out_of_range_is_invalid(
    kit: Kit, services: Services, days: int
) -> None:
    ada = kit.user("ada")
    new = NewMarket(MarketType.PLANNING, "Forever", investment_expiration=days)

    with pytest.raises(InvalidRequest):
        services.markets.create(ada, personal_account_id(ada), new, kit.request_id())
