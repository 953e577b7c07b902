"""The stream consumer when saving fails: report exactly what to retry, and converge."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.memory import MemoryStore
from domain.errors import DomainError, StaleWrite, TemporarilyUnavailable
from domain.events import Change
from domain.model import Investment, MarketInfo, Tally
from domain.services.summaries import SummaryService
from ports.repository import Key, key_of, market_info_key
from tests.unit.domain.conftest import Kit, Scene, Stream


class FailingTallies:
    """The store as the consumer sees it, except that saving one market info's tally fails."""

    def __init__(self, store: MemoryStore, key: Key, error: Callable[[], DomainError]) -> None:
        self._store = store
        self._key = key
        self._error = error
        self.failures_left = 1_000
        self.before_save: Callable[[], None] = lambda: None

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def save_tally(self, info: MarketInfo, tally: Tally, expected_version: int) -> None:
        if key_of(info) == self._key and self.failures_left > 0:
            self.failures_left -= 1
            self.before_save()
            raise self._error()
        self._store.save_tally(info, tally, expected_version)


ERRORS: dict[str, Callable[[], DomainError]] = {
    "stale write": lambda: StaleWrite("The market info changed."),
    "throttled": lambda: TemporarilyUnavailable(retry_after=2),
}


def invested(kit: Kit, scene: Scene) -> str:
    """Investments in two investibles; returns the id of the second one."""
    second = kit.investible(scene.admin, scene.market_id, "Second").investible.id
    kit.invest(scene.admin, scene.market_id, scene.investible, 30)
    kit.invest(scene.member, scene.market_id, second, 40)
    kit.invest(scene.member, scene.market_id, scene.investible, 50)
    kit.invest(scene.member, scene.market_id, scene.investible, 60, former=50)
    return second


def touching(batch: list[Change], investible_id: str) -> tuple[str, ...]:
    return tuple(
        change.sequence
        for change in batch
        if isinstance(change.new, Investment) and change.new.investible_id == investible_id
    )


@pytest.mark.parametrize("error", ERRORS.values(), ids=ERRORS.keys())
def test_a_failing_save_reports_exactly_the_changes_that_touched_that_market_info(
    kit: Kit, store: MemoryStore, stream: Stream, scene: Scene, error: Callable[[], DomainError]
) -> None:
    second = invested(kit, scene)
    failing = FailingTallies(store, market_info_key(scene.market_id, scene.investible), error)
    consumer = SummaryService(failing, store)
    batch = stream.pending()

    result = consumer.apply(batch)

    assert result.failed == touching(batch, scene.investible)
    assert len(result.failed) == 3
    totals = kit.info_totals(scene.admin, scene.market_id)
    assert totals == {scene.investible: (0, 0), second: (1, 40)}


@pytest.mark.parametrize("error", ERRORS.values(), ids=ERRORS.keys())
def test_retrying_from_the_first_failed_change_converges(
    kit: Kit, store: MemoryStore, stream: Stream, scene: Scene, error: Callable[[], DomainError]
) -> None:
    invested(kit, scene)
    failing = FailingTallies(store, market_info_key(scene.market_id, scene.investible), error)
    consumer = SummaryService(failing, store)
    batch = stream.pending()
    failed = consumer.apply(batch).failed
    failing.failures_left = 0

    retry = [change for change in batch if change.sequence >= min(failed)]
    result = consumer.apply(retry)
    stream.position = len(batch)
    stream.drain()

    assert result.failed == ()
    assert kit.info_totals(scene.admin, scene.market_id) == kit.live_totals(
        scene.admin, scene.market_id
    )


def test_a_single_stale_write_is_retried_within_the_batch(
    kit: Kit, store: MemoryStore, stream: Stream, scene: Scene
) -> None:
    invested(kit, scene)
    failing = FailingTallies(
        store, market_info_key(scene.market_id, scene.investible), ERRORS["stale write"]
    )
    failing.failures_left = 1
    consumer = SummaryService(failing, store)

    result = consumer.apply(stream.pending())

    assert result.failed == ()
    assert kit.info_totals(scene.admin, scene.market_id)[scene.investible] == (2, 90)


def test_a_market_info_edited_while_the_consumer_saves_keeps_both_changes(
    kit: Kit, store: MemoryStore, stream: Stream, scene: Scene
) -> None:
    invested(kit, scene)
    racing = FailingTallies(
        store, market_info_key(scene.market_id, scene.investible), ERRORS["stale write"]
    )
    racing.failures_left = 1
    racing.before_save = lambda: kit.services.investibles.update(
        scene.admin,
        scene.market_id,
        scene.investible,
        {"open_for_investment": False},
        kit.request_id(),
    )
    consumer = SummaryService(racing, store)

    result = consumer.apply(stream.pending())

    found = kit.services.investibles.get(scene.admin, scene.market_id, scene.investible)
    assert result.failed == ()
    assert (found.info.investment_count, found.info.investment_total) == (2, 90)
    assert found.info.open_for_investment is False
    assert found.info.version == 3
