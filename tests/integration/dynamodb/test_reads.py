"""Reads: one request per `get` and per listing page, the viewer's presence in the same one."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.dynamodb.retries import RetryPolicy
from adapters.dynamodb.store import DynamoStore
from domain.errors import TemporarilyUnavailable
from domain.model import Investible, MarketInfo, Presence
from ports.repository import (
    investible_key,
    market_info_key,
    market_key,
    presence_key,
    user_key,
)
from tests.integration.conftest import RequestCounter, TableNames
from tests.integration.dynamodb.support import FixedClock, Kit, Scene

pytestmark = pytest.mark.aws


@pytest.fixture
def scene(kit: Kit) -> Scene:
    return kit.scene()


def test_get_reads_objects_of_both_tables_in_one_batch_get(
    store: DynamoStore, scene: Scene, request_counter: RequestCounter
) -> None:
    wanted = [
        market_key(scene.market_id),
        presence_key(scene.market_id, scene.member),
        investible_key(scene.market_id, scene.investible),
        market_info_key(scene.market_id, scene.investible),
        user_key(scene.admin),
        investible_key(scene.market_id, "no-such-investible"),
    ]

    with request_counter.counting() as calls:
        snapshot = store.get(wanted, request_id="a-request-never-seen")

    assert calls == {"BatchGetItem": 1}
    assert set(snapshot.found) == set(wanted[:5])
    market = snapshot.get(market_key(scene.market_id), type(scene.market))
    assert market == scene.market


def test_get_of_more_than_a_hundred_keys_reads_them_all_in_chunks(
    store: DynamoStore, scene: Scene, request_counter: RequestCounter
) -> None:
    wanted = [presence_key(scene.market_id, f"user-{n}") for n in range(150)]
    wanted.append(presence_key(scene.market_id, scene.member))

    with request_counter.counting() as calls:
        snapshot = store.get(wanted)

    assert calls == {"BatchGetItem": 2}
    assert list(snapshot.found) == [presence_key(scene.market_id, scene.member)]


class _Unprocessing:
    """A client that leaves all but the first key of a BatchGetItem unprocessed, a few times."""

    def __init__(self, client: Any, times: int) -> None:
        self._client = client
        self.times = times

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        if self.times <= 0:
            return self._client.batch_get_item(RequestItems=RequestItems)
        self.times -= 1
        name, request = next(iter(RequestItems.items()))
        first, rest = request["Keys"][:1], request["Keys"][1:]
        answer = self._client.batch_get_item(RequestItems={name: {**request, "Keys": first}})
        answer["UnprocessedKeys"] = {name: {**request, "Keys": rest}} if rest else {}
        return answer


def test_unprocessed_keys_are_asked_again_after_a_pause(
    dynamodb_client: Any, table_names: TableNames, scene: Scene
) -> None:
    waits: list[float] = []
    flaky = DynamoStore(
        _Unprocessing(dynamodb_client, times=2),
        table_names.users,
        table_names.markets,
        retry=RetryPolicy(sleep=waits.append),
    )
    wanted = [market_key(scene.market_id), presence_key(scene.market_id, scene.admin)]
    wanted.append(presence_key(scene.market_id, scene.member))

    snapshot = flaky.get(wanted)

    assert set(snapshot.found) == set(wanted)
    assert len(waits) == 2


def test_keys_left_unprocessed_too_long_make_the_store_temporarily_unavailable(
    dynamodb_client: Any, table_names: TableNames, scene: Scene
) -> None:
    flaky = DynamoStore(
        _Unprocessing(dynamodb_client, times=10),
        table_names.users,
        table_names.markets,
        retry=RetryPolicy(sleep=lambda _: None),
    )
    wanted = [presence_key(scene.market_id, f"user-{n}") for n in range(5)]

    with pytest.raises(TemporarilyUnavailable) as raised:
        flaky.get(wanted)

    assert raised.value.retry_after == 1


def test_listing_investibles_returns_each_with_its_info_and_the_viewer_in_one_query(
    store: DynamoStore, kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    second = kit.investible(scene.member, scene.market_id, "Second").investible.id

    with request_counter.counting() as calls:
        viewer, pairs = store.list_investibles(scene.market_id, scene.member)

    assert calls == {"Query": 1}
    assert isinstance(viewer, Presence) and viewer.id == scene.member
    assert {investible.id for investible, _ in pairs} == {scene.investible, second}
    for investible, info in pairs:
        assert isinstance(investible, Investible) and isinstance(info, MarketInfo)
        assert info.investible_id == investible.id


def test_listing_investibles_for_a_stranger_finds_no_presence(
    store: DynamoStore, scene: Scene
) -> None:
    viewer, pairs = store.list_investibles(scene.market_id, "a-stranger")

    assert viewer is None
    assert [investible.id for investible, _ in pairs] == [scene.investible]


def test_listing_investibles_reads_every_page(
    dynamodb_client: Any,
    table_names: TableNames,
    clock: FixedClock,
    kit: Kit,
    scene: Scene,
    request_counter: RequestCounter,
) -> None:
    for n in range(6):
        kit.investible(scene.admin, scene.market_id, f"Idea {n}")
    paged = DynamoStore(
        dynamodb_client, table_names.users, table_names.markets, clock=clock, page_size=3
    )

    with request_counter.counting() as calls:
        viewer, pairs = paged.list_investibles(scene.market_id, scene.member)

    assert viewer is not None and viewer.id == scene.member
    assert len(pairs) == 7
    assert calls["Query"] >= 5  # 14 investibles and infos, the market item and presences


def test_listing_presences_includes_banned_members(
    store: DynamoStore, kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    kit.services.users.ban(scene.admin, scene.market_id, scene.member, True, kit.request_id())

    with request_counter.counting() as calls:
        presences = store.list_presences(scene.market_id)

    assert calls == {"Query": 1}
    assert {(p.id, p.market_banned) for p in presences} == {
        (scene.admin, False),
        (scene.member, True),
    }


def test_listing_own_investments_returns_them_and_the_presence_in_one_query(
    store: DynamoStore, kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    other = kit.investible(scene.admin, scene.market_id, "Other").investible.id
    kit.invest(scene.member, scene.market_id, scene.investible, 3)
    kit.invest(scene.member, scene.market_id, other, 4)
    kit.services.investments.remove(scene.member, scene.market_id, other, kit.request_id())
    kit.invest(scene.admin, scene.market_id, other, 9)

    with request_counter.counting() as calls:
        viewer, investments = store.list_investments(scene.market_id, scene.member, scene.member)

    assert calls == {"Query": 1}
    assert viewer is not None and viewer.id == scene.member
    assert {(i.investible_id, i.quantity, i.deleted) for i in investments} == {
        (scene.investible, 3, False),
        (other, 0, True),
    }


def test_listing_another_members_investments_reads_the_viewer_alongside(
    store: DynamoStore, kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    kit.invest(scene.member, scene.market_id, scene.investible, 3)

    with request_counter.counting() as calls:
        viewer, investments = store.list_investments(scene.market_id, scene.admin, scene.member)

    assert calls == {"Query": 1, "GetItem": 1}  # sent in parallel
    assert viewer is not None and viewer.id == scene.admin
    assert [(i.user_id, i.quantity) for i in investments] == [(scene.member, 3)]


def test_a_ban_shows_in_the_presence_read_beside_own_investments(
    store: DynamoStore, kit: Kit, scene: Scene
) -> None:
    kit.services.users.ban(scene.admin, scene.market_id, scene.member, True, kit.request_id())

    viewer, _ = store.list_investments(scene.market_id, scene.member, scene.member)
    listed, _ = store.list_investibles(scene.market_id, scene.member)

    assert viewer is not None and viewer.market_banned
    assert listed is not None and listed.market_banned
