"""A change landing between an investment's read and its write is caught by the write."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from adapters.memory import MemoryStore
from domain.errors import (
    Banned,
    ClosedForInvestment,
    DomainError,
    MarketInactive,
    QuantityConflict,
)
from domain.model import Investment
from domain.services.investments import Stake
from ports.repository import Key, Snapshot
from tests.unit.domain.conftest import FixedClock, Kit, RecordingTokens, Scene, wire

RACED = "raced-request"


class RacingStore(MemoryStore):
    """Runs `race` once, right after the read made for the request named RACED."""

    def __init__(self) -> None:
        super().__init__()
        self.race: Callable[[], object] | None = None

    def get(self, keys: Iterable[Key], request_id: str | None = None) -> Snapshot:
        snapshot = super().get(keys, request_id)
        if request_id == RACED and self.race is not None:
            race, self.race = self.race, None
            race()
        return snapshot


@pytest.fixture
def racing() -> tuple[RacingStore, Kit]:
    store, tokens = RacingStore(), RecordingTokens()
    return store, Kit(wire(store, tokens, FixedClock()), tokens)


def ban(kit: Kit, scene: Scene) -> object:
    return kit.services.users.ban(scene.admin, scene.market_id, scene.member, True, "ban")


def deactivate(kit: Kit, scene: Scene) -> object:
    changes = {"market_stage": "Inactive"}
    return kit.services.markets.update(scene.admin, scene.market_id, changes, "off")


def close(kit: Kit, scene: Scene) -> object:
    changes = {"open_for_investment": False}
    return kit.services.investibles.update(
        scene.admin, scene.market_id, scene.investible, changes, "close"
    )


def move_to_doable(kit: Kit, scene: Scene) -> object:
    first, doable = scene.market.stages[:2]
    return kit.services.investibles.move(
        scene.admin, scene.market_id, scene.investible, first.id, doable.id, "move"
    )


RACES: dict[str, tuple[Callable[[Kit, Scene], object], type[DomainError]]] = {
    "ban": (ban, Banned),
    "deactivation": (deactivate, MarketInactive),
    "closing": (close, ClosedForInvestment),
    "move to a closed stage": (move_to_doable, ClosedForInvestment),
}


@pytest.mark.parametrize("name", RACES)
def test_a_change_between_read_and_write_refuses_the_investment(
    racing: tuple[RacingStore, Kit], name: str
) -> None:
    store, kit = racing
    scene = kit.scene()
    change, refusal = RACES[name]
    store.race = lambda: change(kit, scene)
    written = len(store.changes())

    with pytest.raises(refusal):
        kit.services.investments.invest(
            scene.member, scene.market_id, Stake(scene.investible, 10), RACED
        )

    assert not [c for c in store.changes(written) if isinstance(c.new, Investment)]
    members = kit.services.investments.fetch(scene.admin, scene.market_id, scene.member)
    assert members == []


def test_a_competing_write_between_read_and_write_turns_into_a_quantity_conflict(
    racing: tuple[RacingStore, Kit],
) -> None:
    store, kit = racing
    scene = kit.scene()
    store.race = lambda: kit.invest(scene.member, scene.market_id, scene.investible, 70)

    with pytest.raises(QuantityConflict) as raised:
        kit.services.investments.invest(
            scene.member, scene.market_id, Stake(scene.investible, 10), RACED
        )

    assert raised.value.current_quantity == 70
    kept = kit.live(scene.member, scene.market_id, scene.investible)
    assert kept is not None and (kept.quantity, kept.version) == (70, 1)
