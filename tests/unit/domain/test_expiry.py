"""The scheduled expiry of investments left unchanged longer than their market allows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from adapters.memory import MemoryStore
from domain.model import Ballot, Investment, Market, MarketType
from domain.services.expiry import ExpiryReport, ExpiryService
from tests.unit.domain.conftest import FixedClock, Kit, Services


def test_an_investment_older_than_the_expiration_is_soft_deleted(
    kit: Kit, services: Services, clock: FixedClock
) -> None:
    scene = kit.scene(investment_expiration=3)
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    expired_at = clock.advance(days=3, seconds=1)

    report = services.expiry.run()

    investment = kit.live(scene.member, scene.market_id, scene.investible)
    assert investment is not None
    assert (investment.deleted, investment.quantity, investment.version) == (True, 0, 2)
    assert investment.updated_at == expired_at
    assert (report.markets, report.expired, report.skipped) == (1, 1, 0)


def test_an_investment_younger_than_the_expiration_is_left_alone(
    kit: Kit, services: Services, clock: FixedClock
) -> None:
    scene = kit.scene(investment_expiration=3)
    kit.invest(scene.admin, scene.market_id, scene.investible, 10)
    clock.advance(days=2)
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    clock.advance(days=1, seconds=1)

    services.expiry.run()

    old = kit.live(scene.admin, scene.market_id, scene.investible)
    fresh = kit.live(scene.member, scene.market_id, scene.investible)
    assert old is not None and old.deleted
    assert fresh is not None and (fresh.deleted, fresh.quantity, fresh.version) == (False, 40, 1)


def test_replacing_an_investment_restarts_its_expiry(
    kit: Kit, services: Services, clock: FixedClock
) -> None:
    scene = kit.scene(investment_expiration=3)
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    clock.advance(days=2)
    kit.invest(scene.member, scene.market_id, scene.investible, 45, former=40)
    clock.advance(days=2)

    report = services.expiry.run()

    assert report.expired == 0
    kept = kit.live(scene.member, scene.market_id, scene.investible)
    assert kept is not None and not kept.deleted


def test_each_market_uses_its_own_expiration(
    kit: Kit, services: Services, clock: FixedClock
) -> None:
    short = kit.scene(investment_expiration=1)
    long = kit.create_market(short.admin, investment_expiration=30).market
    idea = kit.investible(short.admin, long.id).investible.id
    kit.invest(short.admin, short.market_id, short.investible, 10)
    kit.invest(short.admin, long.id, idea, 10)
    clock.advance(days=2)

    report = services.expiry.run()

    assert report == ExpiryReport(markets=2, expired=1, skipped=0)
    short_one = kit.live(short.admin, short.market_id, short.investible)
    long_one = kit.live(short.admin, long.id, idea)
    assert short_one is not None and short_one.deleted
    assert long_one is not None and not long_one.deleted


def test_running_expiry_twice_expires_nothing_the_second_time(
    kit: Kit, services: Services, store: MemoryStore, clock: FixedClock
) -> None:
    scene = kit.scene(investment_expiration=3)
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    clock.advance(days=4)
    services.expiry.run()
    written = len(store.changes())

    second = services.expiry.run()

    assert second.expired == 0
    assert len(store.changes()) == written
    expired = kit.live(scene.member, scene.market_id, scene.investible)
    assert expired is not None and expired.version == 2


def test_deleted_investments_are_not_expired_again(
    kit: Kit, services: Services, clock: FixedClock
) -> None:
    scene = kit.scene(investment_expiration=3)
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    services.investments.remove(scene.member, scene.market_id, scene.investible, "r-remove")
    clock.advance(days=10)

    report = services.expiry.run()

    assert report.expired == 0
    removed = kit.live(scene.member, scene.market_id, scene.investible)
    assert removed is not None and removed.version == 2


def test_expiry_clears_the_ballot_of_a_single_vote_decision(
    kit: Kit, services: Services, store: MemoryStore, clock: FixedClock
) -> None:
    scene = kit.scene(MarketType.DECISION, investment_expiration=3)
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    clock.advance(days=4)
    before = len(store.changes())

    services.expiry.run()

    ballots = [c.new for c in store.changes(before) if isinstance(c.new, Ballot)]
    assert [(b.user_id, b.investment) for b in ballots] == [(scene.member, None)]


def test_after_expiry_a_new_vote_in_a_decision_works(
    kit: Kit, services: Services, clock: FixedClock
) -> None:
    scene = kit.scene(MarketType.DECISION, investment_expiration=3)
    option_b = kit.investible(scene.admin, scene.market_id, "Option B").investible.id
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    clock.advance(days=4)
    services.expiry.run()

    vote = kit.invest(scene.member, scene.market_id, option_b, 70, former=0)
    again = kit.invest(scene.member, scene.market_id, scene.investible, 20, former=0)

    held = {i.investible_id: i for i in services.investments.fetch(scene.member, scene.market_id)}
    assert (vote.quantity, again.quantity, again.version) == (70, 20, 3)
    assert (held[option_b].deleted, held[option_b].version) == (True, 2)
    assert not held[scene.investible].deleted


def test_an_investment_exactly_at_the_expiration_age_is_kept(
    kit: Kit, services: Services, clock: FixedClock
) -> None:
    scene = kit.scene(investment_expiration=3)
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    clock.advance(days=3)

    report = services.expiry.run()

    assert report.expired == 0
    kept = kit.live(scene.member, scene.market_id, scene.investible)
    assert kept is not None and not kept.deleted


class RacingListing:
    """The expiry port of the store, with a member replacing an investment just after listing."""

    def __init__(self, store: MemoryStore, race: Callable[[], object]) -> None:
        self._store = store
        self._race = race

    def market_pages(self) -> Iterable[Sequence[Market]]:
        return self._store.market_pages()

    def live_investments_before(self, market_id: str, before: datetime) -> list[Investment]:
        listed = self._store.live_investments_before(market_id, before)
        self._race()
        return listed


def test_an_investment_replaced_while_expiry_runs_is_kept(
    kit: Kit, store: MemoryStore, clock: FixedClock
) -> None:
    scene = kit.scene(investment_expiration=3)
    kit.invest(scene.member, scene.market_id, scene.investible, 40)
    clock.advance(days=4)
    racing = RacingListing(
        store, lambda: kit.invest(scene.member, scene.market_id, scene.investible, 45, former=40)
    )

    report = ExpiryService(store, racing, clock).run()

    assert (report.expired, report.skipped) == (0, 1)
    kept = kit.live(scene.member, scene.market_id, scene.investible)
    assert kept is not None and (kept.quantity, kept.deleted, kept.version) == (45, False, 2)
