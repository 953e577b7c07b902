"""Presences and bans: a ban is admin-only and takes effect on the very next request."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.errors import Banned, InvalidRequest, NotAdmin, NotAMember, NotFound
from domain.services.investibles import NewInvestible
from domain.services.investments import Stake
from tests.unit.domain.conftest import Kit, Scene, Services


def test_a_member_reads_their_own_presence(services: Services, scene: Scene) -> None:
    presence = services.users.presence(scene.member, scene.market_id)

    assert (presence.id, presence.market_id) == (scene.member, scene.market_id)
    assert (presence.name, presence.email) == ("Bob", "bob@example.com")
    assert (presence.is_admin, presence.market_banned, presence.version) == (False, False, 1)


def test_a_user_outside_the_market_has_no_presence(
    kit: Kit, services: Services, scene: Scene
) -> None:
    with pytest.raises(NotAMember):
        services.users.presence(kit.user("eve"), scene.market_id)


def test_an_admin_bans_a_member(kit: Kit, services: Services, scene: Scene) -> None:
    banned = services.users.ban(scene.admin, scene.market_id, scene.member, True, "r-ban")

    assert (banned.id, banned.market_banned, banned.version) == (scene.member, True, 2)
    listed = {p.id: p for p in services.markets.presences(scene.admin, scene.market_id)}
    assert listed[scene.member] == banned


def test_a_member_who_is_not_admin_cannot_ban(kit: Kit, services: Services, scene: Scene) -> None:
    carol = kit.join("carol", scene.market)

    with pytest.raises(NotAdmin):
        services.users.ban(scene.member, scene.market_id, carol, True, kit.request_id())

    assert not services.users.presence(carol, scene.market_id).market_banned


def test_an_admin_cannot_ban_themself(kit: Kit, services: Services, scene: Scene) -> None:
    with pytest.raises(InvalidRequest):
        services.users.ban(scene.admin, scene.market_id, scene.admin, True, kit.request_id())

    assert not services.users.presence(scene.admin, scene.market_id).market_banned


def test_banning_someone_who_is_not_a_member_is_not_found(
    kit: Kit, services: Services, scene: Scene
) -> None:
    outsider = kit.user("eve")

    with pytest.raises(NotFound):
        services.users.ban(scene.admin, scene.market_id, outsider, True, kit.request_id())


def test_banning_a_banned_member_again_changes_nothing(
    kit: Kit, services: Services, scene: Scene
) -> None:
    kit.ban(scene.admin, scene.market_id, scene.member)

    again = services.users.ban(scene.admin, scene.market_id, scene.member, True, "r-again")

    assert (again.market_banned, again.version) == (True, 2)


Route = Callable[[Kit, Scene], object]

ROUTES: dict[str, Route] = {
    "get market": lambda k, s: k.services.markets.get(s.member, s.market_id),
    "list stages": lambda k, s: k.services.markets.stages(s.member, s.market_id),
    "list users": lambda k, s: k.services.markets.presences(s.member, s.market_id),
    "update market": lambda k, s: k.services.markets.update(
        s.member, s.market_id, {"name": "x"}, k.request_id()
    ),
    "invest": lambda k, s: k.services.investments.invest(
        s.member, s.market_id, Stake(s.investible, 5, former_quantity=10), k.request_id()
    ),
    "remove investment": lambda k, s: k.services.investments.remove(
        s.member, s.market_id, s.investible, k.request_id()
    ),
    "fetch investments": lambda k, s: k.services.investments.fetch(s.member, s.market_id),
    "create investible": lambda k, s: k.services.investibles.create(
        s.member, s.market_id, NewInvestible("x"), k.request_id()
    ),
    "get investible": lambda k, s: k.services.investibles.get(s.member, s.market_id, s.investible),
    "update investible": lambda k, s: k.services.investibles.update(
        s.member, s.market_id, s.investible, {"name": "x"}, k.request_id()
    ),
    "move investible": lambda k, s: k.services.investibles.move(
        s.member,
        s.market_id,
        s.investible,
        s.market.stages[0].id,
        s.market.stages[1].id,
        k.request_id(),
    ),
    "fetch investibles": lambda k, s: k.services.investibles.fetch(s.member, s.market_id),
    "own presence": lambda k, s: k.services.users.presence(s.member, s.market_id),
    "ban": lambda k, s: k.services.users.ban(s.member, s.market_id, s.admin, True, k.request_id()),
}


@pytest.fixture
def member_investible(kit: Kit, scene: Scene) -> Scene:
    """The member holds an investment in an investible they created, then gets banned."""
    own = kit.investible(scene.member, scene.market_id, "Member's idea").investible.id
    kit.invest(scene.member, scene.market_id, own, 10)
    return Scene(scene.market, scene.admin, scene.member, own)


ADMIN_ONLY = {"update market", "ban"}


@pytest.mark.parametrize("name", ROUTES)
def test_a_banned_member_is_refused_on_every_route(
    kit: Kit, member_investible: Scene, name: str
) -> None:
    route = ROUTES[name]
    if name in ADMIN_ONLY:
        with pytest.raises(NotAdmin):
            route(kit, member_investible)
    else:
        route(kit, member_investible)
    kit.ban(member_investible.admin, member_investible.market_id, member_investible.member)

    with pytest.raises(Banned):
        route(kit, member_investible)


def test_unbanning_restores_the_member(kit: Kit, services: Services, scene: Scene) -> None:
    kit.ban(scene.admin, scene.market_id, scene.member)

    restored = services.users.ban(scene.admin, scene.market_id, scene.member, False, "r-unban")
    investment = kit.invest(scene.member, scene.market_id, scene.investible, 10)

    assert (restored.market_banned, restored.version) == (False, 3)
    assert services.users.presence(scene.member, scene.market_id) == restored
    assert investment.quantity == 10
