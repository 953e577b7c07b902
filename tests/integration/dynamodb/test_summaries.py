"""The consumer's derived state: memberships, sharded signatures and tallies."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from adapters.dynamodb import signatures as layout
from adapters.dynamodb.sizes import ItemTooLarge
from adapters.dynamodb.store import DynamoStore
from domain.errors import StaleWrite
from domain.model import Membership, ObjectVersion, Signatures, Tally
from ports.repository import market_info_key
from tests.integration.conftest import RequestCounter
from tests.integration.dynamodb.support import Kit, Scene

pytestmark = pytest.mark.aws


@pytest.fixture
def scene(kit: Kit) -> Scene:
    return kit.scene()


class TransactionItems:
    """Records how many items each TransactWriteItems carried."""

    def __init__(self, client: Any) -> None:
        self.sizes: list[int] = []
        client.meta.events.register(
            "before-parameter-build.dynamodb.TransactWriteItems", self._call
        )

    def _call(self, params: dict[str, Any], **_: Any) -> None:
        self.sizes.append(len(params["TransactItems"]))


def _signatures(market_id: str, version: int, investments: int) -> Signatures:
    signatures = Signatures(market_id, version=version)
    signatures.record("market", ObjectVersion(market_id, 2))
    for n in range(investments):
        signatures.record("investment", ObjectVersion(f"investible-{n}", n + 1, f"user-{n % 7}"))
    return signatures


def test_memberships_are_listed_in_one_query(
    store: DynamoStore, request_counter: RequestCounter
) -> None:
    lines = [Membership("u-1", f"m-{n}", n % 2 == 0, n == 3, version=n + 1) for n in range(5)]
    store.save_memberships([*lines, Membership("u-2", "m-0", True, False)])

    with request_counter.counting() as calls:
        listed = store.memberships("u-1")

    assert calls == {"Query": 1}
    assert sorted(listed, key=lambda m: m.market_id) == lines


def test_a_membership_older_than_the_stored_one_is_ignored(store: DynamoStore) -> None:
    store.save_memberships([Membership("u-1", "m-1", True, True, version=4)])

    store.save_memberships([Membership("u-1", "m-1", True, False, version=3)])
    store.save_memberships([Membership("u-1", "m-2", False, False, version=1)])

    assert sorted(store.memberships("u-1"), key=lambda m: m.market_id) == [
        Membership("u-1", "m-1", True, True, version=4),
        Membership("u-1", "m-2", False, False, version=1),
    ]


def test_memberships_go_in_one_transaction_and_a_stale_line_does_not_block_the_rest(
    store: DynamoStore, dynamodb_client: Any
) -> None:
    store.save_memberships([Membership("u-1", "m-1", True, True, version=9)])
    sent = TransactionItems(dynamodb_client)
    fresh = [Membership("u-1", f"m-{n}", True, False, version=2) for n in range(1, 5)]

    store.save_memberships([*fresh, Membership("u-1", "m-2", True, False, version=1)])

    assert sent.sizes == [4, 3]  # the line of m-1 lost to version 9 and was dropped
    stored = {m.market_id: m for m in store.memberships("u-1")}
    assert stored["m-1"].version == 9 and stored["m-1"].banned
    assert all(stored[f"m-{n}"] == fresh[n - 1] for n in range(2, 5))


def test_signatures_start_empty_at_version_zero(store: DynamoStore) -> None:
    assert store.load_signatures(["m-new"]) == {"m-new": Signatures("m-new")}


def test_saved_signatures_load_back_equal(
    store: DynamoStore, request_counter: RequestCounter
) -> None:
    saved = _signatures("m-1", version=1, investments=300)

    store.save_signatures(saved, expected_version=0)
    with request_counter.counting() as calls:
        loaded = store.load_signatures(["m-1"])["m-1"]

    assert calls == {"TransactGetItems": 1}
    assert loaded == saved


def test_saving_signatures_over_a_newer_version_is_stale(store: DynamoStore) -> None:
    store.save_signatures(_signatures("m-1", 1, 3), expected_version=0)

    with pytest.raises(StaleWrite):
        store.save_signatures(_signatures("m-1", 1, 4), expected_version=0)
    with pytest.raises(StaleWrite):
        store.save_signatures(_signatures("m-1", 3, 4), expected_version=2)

    assert store.load_signatures(["m-1"])["m-1"] == _signatures("m-1", 1, 3)


def test_a_save_writes_only_the_shards_that_changed(
    store: DynamoStore, dynamodb_client: Any
) -> None:
    first = _signatures("m-1", 1, 200)
    store.save_signatures(first, 0)
    loaded = store.load_signatures(["m-1"])["m-1"]
    sent = TransactionItems(dynamodb_client)

    loaded.record("investment", ObjectVersion("investible-3", 99, "user-3"))
    loaded.version = 2
    store.save_signatures(loaded, 1)

    assert sent.sizes == [2]  # the head and the one shard holding that entry
    assert store.load_signatures(["m-1"])["m-1"] == loaded


def test_entries_spread_over_every_shard(store: DynamoStore) -> None:
    texts = layout.split(_signatures("m-1", 1, 400))

    assert sorted(texts) == list(range(layout.SHARDS))


def test_a_member_reads_only_the_signatures_of_markets_they_belong_to(
    store: DynamoStore, kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    other = kit.create_market(kit.user("cy")).market
    store.save_signatures(_signatures(scene.market_id, 1, 5), 0)
    store.save_signatures(_signatures(other.id, 1, 5), 0)

    with request_counter.counting() as calls:
        found = store.signatures([scene.market_id, other.id, "no-such-market"], scene.member)

    assert calls == {"BatchGetItem": 1}
    assert [s.market_id for s in found] == [scene.market_id]
    assert found == [_signatures(scene.market_id, 1, 5)]


def test_signatures_past_the_capacity_of_a_shard_are_refused(store: DynamoStore) -> None:
    crowded = Signatures("m-1", version=1)
    for n in range(50_000):
        crowded.record("investment", ObjectVersion(f"{n:036d}", 1, f"{n:036d}"))

    with pytest.raises(ItemTooLarge, match="Shard"):
        store.save_signatures(crowded, 0)

    assert store.load_signatures(["m-1"])["m-1"].version == 0


def test_a_tally_is_saved_with_the_totals_and_loaded_back(
    store: DynamoStore, scene: Scene, request_counter: RequestCounter
) -> None:
    key = market_info_key(scene.market_id, scene.investible)
    missing = market_info_key(scene.market_id, "no-such-investible")
    info, tally = store.load_tallies([key, missing])[key]
    assert tally == Tally(scene.market_id, scene.investible)

    tally.holdings.update({"u-1": (2, 5), "u-2": (1, -3)})
    counted = replace(info, investment_count=2, investment_total=2, version=info.version + 1)
    with request_counter.counting() as calls:
        store.save_tally(counted, tally, info.version)

    assert calls == {"UpdateItem": 1}
    loaded = store.load_tallies([key, missing])
    assert list(loaded) == [key]
    assert loaded[key] == (counted, tally)


def test_a_tally_saved_over_a_changed_info_is_stale(store: DynamoStore, scene: Scene) -> None:
    key = market_info_key(scene.market_id, scene.investible)
    info, _ = store.load_tallies([key])[key]

    with pytest.raises(StaleWrite):
        store.save_tally(
            replace(info, version=info.version + 5), Tally(scene.market_id, scene.investible), 7
        )
    assert store.load_tallies([key])[key][0] == info
