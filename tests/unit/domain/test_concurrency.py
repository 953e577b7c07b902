"""Compare-and-set investing under threads: no update is lost, every attempt is accounted for."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from adapters.memory import MemoryStore
from domain.errors import ConcurrentUpdate, QuantityConflict
from domain.model import MarketType
from domain.services.investments import Stake
from ports.repository import Key, Snapshot
from tests.unit.domain.conftest import FixedClock, Kit, RecordingTokens, Stream, wire

THREADS = 16
ATTEMPTS = 25
SHARING = 4  # threads that act for one and the same user, with beliefs that go stale


class InterleavingStore(MemoryStore):
    """A memory store that lets other threads run between a read and the write that follows."""

    def get(self, keys: Iterable[Key], request_id: str | None = None) -> Snapshot:
        snapshot = super().get(keys, request_id)
        time.sleep(0.0002)
        return snapshot


@dataclass
class Outcomes:
    """What every thread saw, gathered under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    successes: list[tuple[str, int, int]] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    unexpected: list[BaseException] = field(default_factory=list)


def investing(
    kit: Kit,
    market_id: str,
    investible_id: str,
    user_id: str,
    seed: int,
    outcomes: Outcomes,
    start: threading.Barrier,
) -> None:
    rng = random.Random(seed)
    believed = 0
    start.wait()
    for attempt in range(ATTEMPTS):
        quantity = rng.randint(1, 100)
        stake = Stake(investible_id, quantity, former_quantity=believed)
        request_id = f"thread-{seed}-attempt-{attempt}"
        try:
            investment = kit.services.investments.invest(user_id, market_id, stake, request_id)
        except QuantityConflict as conflict:
            believed = conflict.current_quantity
            with outcomes.lock:
                outcomes.refusals["quantity_conflict"] += 1
            continue
        except ConcurrentUpdate:
            with outcomes.lock:
                outcomes.refusals["concurrent_update"] += 1
            continue
        except BaseException as error:
            with outcomes.lock:
                outcomes.unexpected.append(error)
            return
        believed = investment.quantity
        with outcomes.lock:
            outcomes.successes.append((user_id, investment.version, investment.quantity))


def test_concurrent_compare_and_set_investing_loses_no_update() -> None:
    store, tokens = InterleavingStore(), RecordingTokens()
    services = wire(store, tokens, FixedClock())
    kit = Kit(services, tokens)
    scene = kit.scene()
    solo = [kit.join(f"solo{n}", scene.market) for n in range(THREADS - SHARING)]
    shared = kit.join("shared", scene.market)
    users = solo + [shared] * SHARING
    outcomes, start = Outcomes(), threading.Barrier(THREADS)
    threads = [
        threading.Thread(
            target=investing,
            args=(kit, scene.market_id, scene.investible, user, seed, outcomes, start),
        )
        for seed, user in enumerate(users)
    ]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert outcomes.unexpected == []
    assert len(outcomes.successes) + sum(outcomes.refusals.values()) == THREADS * ATTEMPTS
    assert outcomes.refusals["quantity_conflict"] > 0, "the shared user's threads never raced"
    for user in set(users):
        mine = sorted((v, q) for u, v, q in outcomes.successes if u == user)
        versions = [version for version, _ in mine]
        assert versions == list(range(1, len(mine) + 1)), f"{user} lost or doubled a write"
        final = kit.live(user, scene.market_id, scene.investible)
        assert final is not None
        assert (final.version, final.quantity) == mine[-1]
    assert Counter(u for u, _, _ in outcomes.successes)[solo[0]] == ATTEMPTS

    Stream(store, services.summaries).drain()

    count, total = kit.info_totals(scene.admin, scene.market_id)[scene.investible]
    live = [kit.live(user, scene.market_id, scene.investible) for user in set(users)]
    assert total == sum(i.quantity for i in live if i is not None and not i.deleted)
    assert count == len(set(users))


def test_concurrent_votes_of_one_member_in_a_decision_leave_one_live_vote() -> None:
    store, tokens = InterleavingStore(), RecordingTokens()
    services = wire(store, tokens, FixedClock())
    kit = Kit(services, tokens)
    scene = kit.scene(MarketType.DECISION)
    options = [scene.investible] + [
        kit.investible(scene.admin, scene.market_id, f"Option {n}").investible.id for n in range(3)
    ]
    outcomes, start = Outcomes(), threading.Barrier(8)

    def voting(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for attempt in range(20):
            option = rng.choice(options)
            held = kit.live(scene.member, scene.market_id, option)
            stake = Stake(option, rng.randint(1, 100), 0 if held is None else held.live_quantity)
            try:
                vote = services.investments.invest(
                    scene.member, scene.market_id, stake, f"vote-{seed}-{attempt}"
                )
            except (QuantityConflict, ConcurrentUpdate) as refused:
                with outcomes.lock:
                    outcomes.refusals[refused.code] += 1
                continue
            except BaseException as error:
                with outcomes.lock:
                    outcomes.unexpected.append(error)
                return
            with outcomes.lock:
                outcomes.successes.append((option, vote.version, vote.quantity))

    threads = [threading.Thread(target=voting, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.unexpected == []
    assert len(outcomes.successes) + sum(outcomes.refusals.values()) == 8 * 20
    held = services.investments.fetch(scene.member, scene.market_id)
    live = [investment for investment in held if not investment.deleted]
    assert len(live) == 1
    Stream(store, services.summaries).drain()
    totals = kit.info_totals(scene.admin, scene.market_id)
    assert totals == {
        o: (1, live[0].quantity) if o == live[0].investible_id else (0, 0) for o in options
    }


def test_the_consumer_running_alongside_investors_ends_exact() -> None:
    store, tokens = InterleavingStore(), RecordingTokens()
    services = wire(store, tokens, FixedClock())
    kit = Kit(services, tokens)
    scene = kit.scene()
    users = [kit.join(f"investor{n}", scene.market) for n in range(6)]
    stream, stop = Stream(store, services.summaries), threading.Event()
    failed: list[tuple[str, ...]] = []
    errors: list[BaseException] = []

    def consuming() -> None:
        while not stop.is_set():
            batch = stream.pending()
            if batch:
                failed.extend(r for r in [stream.apply(batch).failed] if r)
                stream.position += len(batch)

    def trading(user_id: str, seed: int) -> None:
        try:
            trade(user_id, seed)
        except BaseException as error:
            errors.append(error)

    def trade(user_id: str, seed: int) -> None:
        rng, held = random.Random(seed), 0
        for attempt in range(30):
            request_id = f"trade-{seed}-{attempt}"
            if held and rng.random() < 0.25:
                services.investments.remove(user_id, scene.market_id, scene.investible, request_id)
                held = 0
            else:
                quantity = rng.randint(1, 100)
                stake = Stake(scene.investible, quantity, former_quantity=held)
                services.investments.invest(user_id, scene.market_id, stake, request_id)
                held = quantity

    consumer = threading.Thread(target=consuming)
    traders = [threading.Thread(target=trading, args=(u, n)) for n, u in enumerate(users)]
    consumer.start()
    for thread in traders:
        thread.start()
    for thread in traders:
        thread.join(timeout=60)
    stop.set()
    consumer.join(timeout=60)
    stream.drain()

    assert (failed, errors) == ([], [])
    assert kit.info_totals(scene.admin, scene.market_id) == kit.live_totals(
        scene.admin, scene.market_id
    )
