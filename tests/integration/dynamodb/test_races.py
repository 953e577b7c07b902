"""A rival write slipped in between a service's read and its transaction: each rule's
condition cancels the transaction and the service answers as the rule says."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from adapters.dynamodb.store import DynamoStore
from domain.errors import (
    Banned,
    ClosedForInvestment,
    MarketInactive,
    NotFound,
    QuantityConflict,
    StageConflict,
    VersionConflict,
)
from domain.model import Investment, MarketType
from domain.services.investibles import NewInvestible
from domain.services.investments import Stake
from ports.repository import Key, Snapshot, investment_key
from tests.integration.conftest import RequestCounter
from tests.integration.dynamodb.support import FakeTokens, FixedClock, Kit, Scene, Services, wire

pytestmark = pytest.mark.aws


class RacedStore:
    """The store, with a rival's write run right after the next read."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store
        self.rival: Callable[[], Any] | None = None

    def get(self, keys: Iterable[Key], request_id: str | None = None) -> Snapshot:
        snapshot = self._store.get(keys, request_id)
        rival, self.rival = self.rival, None
        if rival is not None:
            rival()
        return snapshot

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
def raced(store: DynamoStore) -> RacedStore:
    return RacedStore(store)


@pytest.fixture
def slow(raced: RacedStore, clock: FixedClock, tokens: FakeTokens) -> Services:
    """The services of a caller whose read is overtaken by a rival's write."""
    return wire(raced, clock, tokens)


@pytest.fixture
def scene(kit: Kit) -> Scene:
    return kit.scene(MarketType.PLANNING)


def test_a_rival_change_of_quantity_is_a_quantity_conflict_naming_it(
    kit: Kit, scene: Scene, raced: RacedStore, slow: Services, request_counter: RequestCounter
) -> None:
    raced.rival = lambda: kit.invest(scene.member, scene.market_id, scene.investible, 8)

    with request_counter.counting() as calls, pytest.raises(QuantityConflict) as raised:
        slow.investments.invest(
            scene.member, scene.market_id, Stake(scene.investible, 3), kit.request_id()
        )

    assert raised.value.current_quantity == 8
    assert calls["TransactWriteItems"] == 2  # the rival's, then ours, cancelled


def test_closing_the_investible_meanwhile_refuses_the_investment(
    kit: Kit, scene: Scene, raced: RacedStore, slow: Services, store: DynamoStore
) -> None:
    raced.rival = lambda: kit.services.investibles.update(
        scene.admin,
        scene.market_id,
        scene.investible,
        {"open_for_investment": False},
        kit.request_id(),
    )

    with pytest.raises(ClosedForInvestment):
        slow.investments.invest(
            scene.member, scene.market_id, Stake(scene.investible, 3), kit.request_id()
        )

    key = investment_key(scene.market_id, scene.investible, scene.member)
    assert store.get([key]).get(key, Investment) is None


def test_a_ban_meanwhile_refuses_the_investment(
    kit: Kit, scene: Scene, raced: RacedStore, slow: Services
) -> None:
    raced.rival = lambda: kit.services.users.ban(
        scene.admin, scene.market_id, scene.member, True, kit.request_id()
    )

    with pytest.raises(Banned):
        slow.investments.invest(
            scene.member, scene.market_id, Stake(scene.investible, 3), kit.request_id()
        )


def test_a_deactivation_meanwhile_refuses_a_new_investible(
    kit: Kit, scene: Scene, raced: RacedStore, slow: Services
) -> None:
    raced.rival = lambda: kit.services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Inactive"}, kit.request_id()
    )

    with pytest.raises(MarketInactive):
        slow.investibles.create(scene.member, scene.market_id, NewInvestible("x"), kit.request_id())


def test_a_rival_move_is_a_stage_conflict_naming_the_new_stage(
    kit: Kit, scene: Scene, raced: RacedStore, slow: Services
) -> None:
    stages = scene.market.stages
    raced.rival = lambda: kit.services.investibles.move(
        scene.admin,
        scene.market_id,
        scene.investible,
        stages[0].id,
        stages[2].id,
        kit.request_id(),
    )

    with pytest.raises(StageConflict) as raised:
        slow.investibles.move(
            scene.member,
            scene.market_id,
            scene.investible,
            stages[0].id,
            stages[1].id,
            kit.request_id(),
        )

    assert raised.value.current_stage_id == stages[2].id


def test_a_rival_edit_is_a_version_conflict_when_a_version_was_named(
    kit: Kit, scene: Scene, raced: RacedStore, slow: Services
) -> None:
    raced.rival = lambda: kit.services.markets.update(
        scene.admin, scene.market_id, {"name": "Theirs"}, kit.request_id()
    )

    with pytest.raises(VersionConflict) as raised:
        slow.markets.update(
            scene.admin, scene.market_id, {"name": "Mine"}, kit.request_id(), expected_version=1
        )

    assert raised.value.current_version == 2


def test_a_rival_edit_is_retried_when_no_version_was_named(
    kit: Kit, scene: Scene, raced: RacedStore, slow: Services
) -> None:
    raced.rival = lambda: kit.services.markets.update(
        scene.admin, scene.market_id, {"name": "Theirs"}, kit.request_id()
    )

    updated = slow.markets.update(
        scene.admin, scene.market_id, {"description": "Mine"}, kit.request_id()
    )

    assert (updated.name, updated.description, updated.version) == ("Theirs", "Mine", 3)


def test_a_rival_removal_makes_ours_not_found(
    kit: Kit, scene: Scene, raced: RacedStore, slow: Services
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 3)
    raced.rival = lambda: kit.services.investments.remove(
        scene.member, scene.market_id, scene.investible, kit.request_id()
    )

    with pytest.raises(NotFound):
        slow.investments.remove(scene.member, scene.market_id, scene.investible, kit.request_id())
