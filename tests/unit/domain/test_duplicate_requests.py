"""A write delivered twice with the same request id is applied once and answered the same."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.memory import MemoryStore
from domain.errors import DuplicateRequest
from domain.model import MarketType
from domain.services.investibles import NewInvestible
from domain.services.investments import Stake
from domain.services.markets import NewMarket
from domain.views import investment_view, market_view, presence_view
from tests.unit.domain.conftest import Kit, Scene

Write = Callable[[Kit, Scene, str], object]


def invest(kit: Kit, scene: Scene, request_id: str) -> object:
    stake = Stake(scene.investible, 25, former_quantity=10)
    investment = kit.services.investments.invest(scene.member, scene.market_id, stake, request_id)
    return investment_view(investment)


def remove(kit: Kit, scene: Scene, request_id: str) -> object:
    removed = kit.services.investments.remove(
        scene.member, scene.market_id, scene.investible, request_id
    )
    return investment_view(removed)


def create_market(kit: Kit, scene: Scene, request_id: str) -> object:
    new = NewMarket(MarketType.DECISION, "Lunch")
    account_id = scene.market.account_id
    return kit.services.markets.create(scene.admin, account_id, new, request_id).view()


def create_investible(kit: Kit, scene: Scene, request_id: str) -> object:
    new = NewInvestible("Tacos")
    return kit.services.investibles.create(scene.member, scene.market_id, new, request_id).view()


def update_market(kit: Kit, scene: Scene, request_id: str) -> object:
    updated = kit.services.markets.update(
        scene.admin, scene.market_id, {"name": "Renamed"}, request_id
    )
    return market_view(updated)


def ban(kit: Kit, scene: Scene, request_id: str) -> object:
    banned = kit.services.users.ban(scene.admin, scene.market_id, scene.member, True, request_id)
    return presence_view(banned)


def move(kit: Kit, scene: Scene, request_id: str) -> object:
    first, second = scene.market.stages[:2]
    return kit.services.investibles.move(
        scene.admin, scene.market_id, scene.investible, first.id, second.id, request_id
    ).view()


WRITES: dict[str, Write] = {
    "invest": invest,
    "remove": remove,
    "create market": create_market,
    "create investible": create_investible,
    "update market": update_market,
    "ban": ban,
    "move investible": move,
}


@pytest.fixture
def invested(kit: Kit, scene: Scene) -> Scene:
    """The scene with the member holding a live investment, so removal has something to do."""
    kit.invest(scene.member, scene.market_id, scene.investible, 10)
    return scene


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_repeated_request_answers_the_first_result_and_writes_nothing(
    kit: Kit, store: MemoryStore, invested: Scene, write: Write
) -> None:
    first = write(kit, invested, "gateway-request-1")
    written = len(store.changes())

    with pytest.raises(DuplicateRequest) as raised:
        write(kit, invested, "gateway-request-1")

    assert raised.value.result == first
    assert len(store.changes()) == written


def test_a_repeated_investment_is_not_refused_for_its_own_former_quantity(
    kit: Kit, store: MemoryStore, scene: Scene
) -> None:
    stake = Stake(scene.investible, 40, former_quantity=0)
    kit.services.investments.invest(scene.member, scene.market_id, stake, "same")

    with pytest.raises(DuplicateRequest) as raised:
        kit.services.investments.invest(scene.member, scene.market_id, stake, "same")

    assert isinstance(raised.value.result, dict)
    assert (raised.value.result["quantity"], raised.value.result["version"]) == (40, 1)


def test_a_new_request_id_applies_the_same_write_again(kit: Kit, scene: Scene) -> None:
    stake = Stake(scene.investible, 40, former_quantity=0)
    kit.services.investments.invest(scene.member, scene.market_id, stake, "one")

    again = kit.services.investments.invest(
        scene.member, scene.market_id, Stake(scene.investible, 40, former_quantity=40), "two"
    )

    assert again.version == 2
