"""The stream consumer reads every market info a batch touches in one call, and writes each
once; after a conflict it reads again only the market info that conflicted."""

from __future__ import annotations

from collections.abc import Iterable

from adapters.memory import MemoryStore
from domain.errors import StaleWrite
from domain.model import MarketInfo, Tally
from domain.services.summaries import SummaryService
from ports.repository import Key, key_of, market_info_key
from tests.unit.domain.conftest import Kit, Scene, Stream


class CountingTallies:
    """The store as the consumer sees it, remembering each tally load and save."""

    def __init__(self, store: MemoryStore, conflicts: Iterable[Key] = ()) -> None:
        self._store = store
        self._conflicts = list(conflicts)
        self.loads: list[list[Key]] = []
        self.saves: list[Key] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def load_tallies(self, info_keys: Iterable[Key]) -> dict[Key, tuple[MarketInfo, Tally]]:
        keys = list(info_keys)
        self.loads.append(keys)
        return self._store.load_tallies(keys)

    def save_tally(self, info: MarketInfo, tally: Tally, expected_version: int) -> None:
        key = key_of(info)
        self.saves.append(key)
        if key in self._conflicts:
            self._conflicts.remove(key)
            raise StaleWrite("The market info changed.")
        self._store.save_tally(info, tally, expected_version)


def five_investibles(kit: Kit, scene: Scene) -> list[str]:
    """Investments by both members in five investibles, some replaced."""
    investibles = [scene.investible] + [
        kit.investible(scene.admin, scene.market_id, f"Idea {n}").investible.id for n in range(4)
    ]
    for quantity, investible in enumerate(investibles, start=10):
        kit.invest(scene.admin, scene.market_id, investible, quantity)
        kit.invest(scene.member, scene.market_id, investible, quantity + 1)
    kit.invest(scene.member, scene.market_id, scene.investible, 50, former=11)
    return investibles


def test_a_batch_loads_every_touched_tally_in_one_call_and_saves_each_once(
    kit: Kit, store: MemoryStore, stream: Stream, scene: Scene
) -> None:
    investibles = five_investibles(kit, scene)
    counting = CountingTallies(store)
    batch = stream.pending()

    result = SummaryService(counting, store).apply(batch)

    keys = {market_info_key(scene.market_id, investible) for investible in investibles}
    assert result.failed == ()
    assert len(counting.loads) == 1
    assert set(counting.loads[0]) == keys and len(counting.loads[0]) == len(keys)
    assert sorted(counting.saves, key=str) == sorted(keys, key=str)
    totals = kit.info_totals(scene.admin, scene.market_id)
    assert totals == kit.live_totals(scene.admin, scene.market_id)


def test_a_conflict_reloads_only_the_tally_that_conflicted(
    kit: Kit, store: MemoryStore, stream: Stream, scene: Scene
) -> None:
    investibles = five_investibles(kit, scene)
    conflicted = market_info_key(scene.market_id, investibles[2])
    counting = CountingTallies(store, conflicts=[conflicted])

    result = SummaryService(counting, store).apply(stream.pending())

    assert result.failed == ()
    assert len(counting.loads) == 2
    assert len(counting.loads[0]) == len(investibles)
    assert counting.loads[1] == [conflicted]
    assert counting.saves.count(conflicted) == 2
    assert len(counting.saves) == len(investibles) + 1
    totals = kit.info_totals(scene.admin, scene.market_id)
    assert totals == kit.live_totals(scene.admin, scene.market_id)


def test_a_batch_without_investments_loads_no_tally(
    kit: Kit, store: MemoryStore, stream: Stream, scene: Scene
) -> None:
    kit.investible(scene.admin, scene.market_id, "Nobody invests")
    counting = CountingTallies(store)

    SummaryService(counting, store).apply(stream.pending())

    assert counting.loads == []
