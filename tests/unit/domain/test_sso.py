"""Signing in: the first login, market logins, and joining a market by invite."""

from __future__ import annotations

import json

import pytest

from adapters.memory import MemoryStore
from domain.errors import Gone, MarketInactive, NotAMember, NotFound, WrongTokenType
from domain.identity import personal_account_id, user_id_for
from domain.model import MarketType
from ports.tokens import Capability, TokenType
from tests.unit.domain.conftest import START, FixedClock, Kit, Scene, Services


def test_the_first_login_creates_the_user_and_a_personal_account(kit: Kit) -> None:
    login = kit.sign_in("ada")

    assert login.user.id == user_id_for("subject-ada")
    assert (login.user.name, login.user.email) == ("Ada", "ada@example.com")
    assert login.account.id == login.user.account_id == personal_account_id(login.user.id)
    assert login.account.owner_id == login.user.id
    assert kit.tokens.verify(login.token) == Capability(
        login.user.id, TokenType.ACCOUNT, account_id=login.account.id
    )
    assert set(login.view()) == {"uclusion_token", "account", "user"}


def test_a_second_login_finds_the_same_user_and_creates_nothing(
    kit: Kit, store: MemoryStore, clock: FixedClock
) -> None:
    first = kit.sign_in("ada")
    written = len(store.changes())
    clock.advance(days=2)

    second = kit.sign_in("ada")

    assert (second.user, second.account) == (first.user, first.account)
    assert second.user.created_at == START
    assert second.token != first.token
    assert len(store.changes()) == written


def test_different_subjects_get_different_users(kit: Kit) -> None:
    ada, bob = kit.sign_in("ada"), kit.sign_in("bob")

    assert ada.user.id != bob.user.id
    assert ada.account.id != bob.account.id


@pytest.mark.parametrize(("who", "is_admin"), [("ada", True), ("bob", False)])
def test_a_member_logs_in_to_the_market_with_their_admin_flag(
    kit: Kit, services: Services, scene: Scene, who: str, is_admin: bool
) -> None:
    login = services.sso.market_login(kit.identity(who), scene.market_id)

    capability = kit.tokens.verify(login.token)
    assert capability.token_type is TokenType.MARKET
    assert (capability.market_id, capability.is_admin) == (scene.market_id, is_admin)
    assert capability.user_id == user_id_for(f"subject-{who}")
    assert login.view()["market_id"] == scene.market_id
    assert login.view()["uclusion_token"] == login.token


def test_logging_in_to_an_unknown_market_is_not_found(
    kit: Kit, services: Services, scene: Scene
) -> None:
    with pytest.raises(NotFound):
        services.sso.market_login(kit.identity("ada"), "no-such-market")


@pytest.mark.parametrize("signed_in", [True, False])
def test_logging_in_to_a_market_one_is_not_in_is_refused(
    kit: Kit, services: Services, scene: Scene, signed_in: bool
) -> None:
    if signed_in:
        kit.sign_in("eve")

    with pytest.raises(NotAMember):
        services.sso.market_login(kit.identity("eve"), scene.market_id)


def test_a_banned_member_logging_in_to_the_market_is_gone(
    kit: Kit, services: Services, scene: Scene
) -> None:
    kit.ban(scene.admin, scene.market_id, scene.member)

    with pytest.raises(Gone):
        services.sso.market_login(kit.identity("bob"), scene.market_id)


def test_joining_by_invite_makes_a_participant(kit: Kit, services: Services) -> None:
    market = kit.create_market(kit.user("ada"), MarketType.DECISION).market
    invite = kit.tokens.verify(market.invite_capability)

    joined = services.sso.join(kit.identity("carol"), invite, kit.request_id())

    presence = services.users.presence(joined.user.id, market.id)
    assert (presence.is_admin, presence.market_banned, presence.version) == (False, False, 1)
    assert presence.account_id == personal_account_id(joined.user.id)
    capability = kit.tokens.verify(joined.token)
    assert (capability.token_type, capability.market_id) == (TokenType.MARKET, market.id)
    assert capability.is_admin is False
    view = json.loads(json.dumps(joined.view()))
    assert set(view) == {"uclusion_token", "market_id", "market", "user", "stages"}
    assert view["market"]["id"] == view["market_id"] == market.id
    assert [stage["name"] for stage in view["stages"]] == ["Approvable", "Proposed"]


def test_joining_before_any_login_creates_the_user_too(kit: Kit, services: Services) -> None:
    market = kit.create_market(kit.user("ada")).market

    carol = kit.join("carol", market)

    assert carol == user_id_for("subject-carol")
    assert kit.sign_in("carol").user.id == carol


def test_joining_twice_is_idempotent(
    kit: Kit, services: Services, store: MemoryStore, scene: Scene
) -> None:
    written = len(store.changes())

    again = kit.join("bob", scene.market)

    assert again == scene.member
    assert len(store.changes()) == written
    presences = services.markets.presences(scene.admin, scene.market_id)
    assert sorted((p.id, p.version) for p in presences) == sorted(
        [(scene.admin, 1), (scene.member, 1)]
    )


def test_an_admin_joining_by_invite_stays_admin(kit: Kit, services: Services, scene: Scene) -> None:
    kit.join("ada", scene.market)

    assert services.users.presence(scene.admin, scene.market_id).is_admin


def test_a_banned_member_joining_again_is_gone(kit: Kit, services: Services, scene: Scene) -> None:
    kit.ban(scene.admin, scene.market_id, scene.member)

    with pytest.raises(Gone):
        kit.join("bob", scene.market)


def test_joining_an_inactive_market_is_refused(kit: Kit, services: Services, scene: Scene) -> None:
    services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Inactive"}, kit.request_id()
    )

    with pytest.raises(MarketInactive):
        kit.join("carol", scene.market)


@pytest.mark.parametrize("token_type", [TokenType.MARKET, TokenType.ACCOUNT])
def test_joining_with_a_token_that_is_not_an_invite_is_refused(
    kit: Kit, services: Services, scene: Scene, token_type: TokenType
) -> None:
    capability = Capability(scene.admin, token_type, market_id=scene.market_id)

    with pytest.raises(WrongTokenType):
        services.sso.join(kit.identity("carol"), capability, kit.request_id())


def test_joining_by_the_invite_of_an_unknown_market_is_not_found(
    kit: Kit, services: Services
) -> None:
    invite = Capability("someone", TokenType.MARKET_INVITE, market_id="no-such-market")

    with pytest.raises(NotFound):
        services.sso.join(kit.identity("carol"), invite, kit.request_id())
