"""Writes: one transaction of whole items, each conditioned on the version it replaces."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from adapters.dynamodb import keys
from adapters.dynamodb.sizes import ItemTooLarge
from adapters.dynamodb.store import DynamoStore
from domain.model import Presence
from domain.services.guards import market_is_active
from ports.repository import (
    Check,
    Put,
    RequestRecord,
    Transaction,
    key_of,
    market_info_key,
    presence_key,
)
from tests.integration.conftest import RequestCounter, TableNames
from tests.integration.dynamodb.support import (
    FixedClock,
    Kit,
    Refused,
    Scene,
    refuse,
    scan_all,
    stored_investible,
)

pytestmark = pytest.mark.aws


@pytest.fixture
def scene(kit: Kit) -> Scene:
    return kit.scene()


def test_a_commit_is_one_transact_write_items(
    store: DynamoStore, scene: Scene, clock: FixedClock, request_counter: RequestCounter
) -> None:
    investible = stored_investible(store, scene)
    renamed = investible.changed(clock.now(), name="Renamed")

    with request_counter.counting() as calls:
        store.commit(
            Transaction(
                puts=[Put(renamed, investible.version, refuse("put"))],
                checks=[market_is_active(scene.market_id)],
                request=RequestRecord("req-1", {"renamed": True}),
            )
        )

    assert calls == {"TransactWriteItems": 1}
    assert stored_investible(store, scene) == renamed


def test_a_put_of_a_new_object_that_exists_is_refused_by_its_handler(
    store: DynamoStore, scene: Scene
) -> None:
    investible = stored_investible(store, scene)

    with pytest.raises(Refused) as raised:
        store.commit(Transaction(puts=[Put(investible, None, refuse("exists"))]))

    assert raised.value.current == investible


def test_a_put_of_a_stale_version_shows_its_handler_the_stored_object(
    store: DynamoStore, scene: Scene, clock: FixedClock
) -> None:
    investible = stored_investible(store, scene)
    first = investible.changed(clock.now(), name="First")
    store.commit(Transaction(puts=[Put(first, investible.version, refuse("first"))]))

    with pytest.raises(Refused) as raised:
        second = investible.changed(clock.now(), name="Second")
        store.commit(Transaction(puts=[Put(second, investible.version, refuse("stale"))]))

    assert raised.value.label == "stale"
    assert raised.value.current == first
    assert stored_investible(store, scene) == first


def test_a_put_of_a_missing_object_with_a_version_sees_none(
    store: DynamoStore, scene: Scene
) -> None:
    ghost = replace(stored_investible(store, scene), id="ghost")

    with pytest.raises(Refused) as raised:
        store.commit(Transaction(puts=[Put(ghost, 1, refuse("missing"))]))

    assert raised.value.current is None


def test_a_check_on_the_item_a_put_writes_is_folded_into_that_put(
    store: DynamoStore, scene: Scene, clock: FixedClock, request_counter: RequestCounter
) -> None:
    investible = stored_investible(store, scene)
    check = Check(key_of(investible), {"name": "Not its name"}, refuse("check"))
    renamed = investible.changed(clock.now(), name="x")

    with pytest.raises(Refused) as raised:
        store.commit(
            Transaction(puts=[Put(renamed, investible.version, refuse("put"))], checks=[check])
        )
    assert raised.value.label == "check"

    holding = Check(key_of(investible), {"name": investible.name}, refuse("check"))
    with pytest.raises(Refused) as raised:
        store.commit(Transaction(puts=[Put(renamed, 99, refuse("put"))], checks=[holding]))
    assert raised.value.label == "put"

    with request_counter.counting() as calls:
        store.commit(
            Transaction(puts=[Put(renamed, investible.version, refuse("put"))], checks=[holding])
        )
    assert calls == {"TransactWriteItems": 1}


def test_a_market_info_write_keeps_the_consumers_tally(
    store: DynamoStore, scene: Scene, clock: FixedClock
) -> None:
    key = market_info_key(scene.market_id, scene.investible)
    info, tally = store.load_tallies([key])[key]
    tally.holdings["someone"] = (1, 5)
    counted = replace(info, investment_count=1, investment_total=5, version=info.version + 1)
    store.save_tally(counted, tally, info.version)

    closed = counted.changed(clock.now(), open_for_investment=False)
    store.commit(Transaction(puts=[Put(closed, counted.version, refuse("info"))]))

    stored, kept = store.load_tallies([key])[key]
    assert stored == closed
    assert kept.holdings == {"someone": (1, 5)}


def test_a_presence_is_written_with_its_copy_beside_the_members_investments(
    store: DynamoStore, scene: Scene, dynamodb_client: Any, table_names: TableNames
) -> None:
    key = presence_key(scene.market_id, scene.member)
    presence = store.get([key]).get(key, Presence)
    assert presence is not None
    banned = presence.changed(market_banned=True)

    store.commit(Transaction(puts=[Put(banned, presence.version, refuse("presence"))]))

    copy_key = keys.member_presence_key(scene.market_id, scene.member)
    copy = dynamodb_client.get_item(TableName=table_names.markets, Key=copy_key.attributes())
    assert copy["Item"]["market_banned"] == {"BOOL": True}
    assert copy["Item"]["version"] == {"N": str(banned.version)}


def test_two_puts_of_one_object_are_a_programming_error(store: DynamoStore, scene: Scene) -> None:
    investible = stored_investible(store, scene)

    with pytest.raises(ValueError, match="same item"):
        store.commit(
            Transaction(puts=[Put(investible, 1, refuse("a")), Put(investible, 1, refuse("b"))])
        )


def test_a_transaction_of_more_than_a_hundred_items_is_refused_before_sending(
    store: DynamoStore, scene: Scene, request_counter: RequestCounter
) -> None:
    investible = stored_investible(store, scene)
    puts = [Put(replace(investible, id=f"i-{n}"), None, refuse("p")) for n in range(101)]

    with request_counter.counting() as calls, pytest.raises(ValueError, match="at most 100"):
        store.commit(Transaction(puts=puts))

    assert calls == {}


def test_an_item_over_the_size_limit_is_refused_and_nothing_is_written(
    store: DynamoStore,
    scene: Scene,
    clock: FixedClock,
    dynamodb_client: Any,
    table_names: TableNames,
) -> None:
    before = scan_all(dynamodb_client, table_names.markets)
    investible = stored_investible(store, scene)
    huge = investible.changed(clock.now(), description="x" * 410_000)
    new = replace(investible, id="fresh")

    with pytest.raises(ItemTooLarge, match="400"):
        store.commit(Transaction(puts=[Put(new, None, refuse("n")), Put(huge, 1, refuse("h"))]))

    assert scan_all(dynamodb_client, table_names.markets) == before
