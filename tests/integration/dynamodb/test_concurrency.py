"""Concurrent compare-and-sets over HTTP against a moto server: no update lost, none doubled."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from adapters.dynamodb.retries import RetryPolicy
from adapters.dynamodb.store import DynamoStore
from adapters.dynamodb.stream import decode_changes
from domain.errors import QuantityConflict, TemporarilyUnavailable
from domain.model import Investment
from domain.services.investments import Stake
from ports.repository import investment_key, market_info_key
from tests.integration.conftest import REGION, TableNames
from tests.integration.dynamodb.support import FakeTokens, FixedClock, Kit, Throttle, wire

pytestmark = [pytest.mark.aws, pytest.mark.slow]

THREADS = 8
ATTEMPTS_EACH = 20
CYCLE = 50  # quantities go 1, 2, .. 50, 1, 2, ..: each success moves exactly one step


def _next(quantity: int) -> int:
    return quantity % CYCLE + 1


@pytest.fixture
def server_store(server_client: Any, table_names: TableNames) -> DynamoStore:
    retry = RetryPolicy(sleep=lambda _: None)
    return DynamoStore(server_client, table_names.users, table_names.markets, retry=retry)


@pytest.fixture
def server_kit(server_store: DynamoStore) -> Kit:
    tokens = FakeTokens()
    return Kit(wire(server_store, FixedClock(), tokens), tokens)


def test_concurrent_compare_and_sets_lose_no_update(
    server_kit: Kit,
    server_store: DynamoStore,
    server_client: Any,
    table_names: TableNames,
    moto_server: str,
) -> None:
    scene = server_kit.scene()
    investments = server_kit.services.investments
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def member_at_a_keyboard(_: int) -> None:
        believed = 0
        for _ in range(ATTEMPTS_EACH):
            stake = Stake(scene.investible, _next(believed), former_quantity=believed)
            try:
                written = investments.invest(
                    scene.member, scene.market_id, stake, server_kit.request_id()
                )
            except QuantityConflict as conflict:
                believed = conflict.current_quantity
                outcome = "conflict"
            else:
                believed = written.quantity
                outcome = "success"
            with lock:
                outcomes[outcome] += 1

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(member_at_a_keyboard, range(THREADS)))

    key = investment_key(scene.market_id, scene.investible, scene.member)
    stored = server_kit.services.investments.fetch(scene.member, scene.market_id)
    [final] = [i for i in stored if key == investment_key(i.market_id, i.investible_id, i.user_id)]
    successes = outcomes["success"]
    assert sum(outcomes.values()) == THREADS * ATTEMPTS_EACH
    assert outcomes["conflict"] == THREADS * ATTEMPTS_EACH - successes
    assert successes >= ATTEMPTS_EACH  # at least one thread's worth got through
    assert final.version == successes
    assert final.quantity == (successes - 1) % CYCLE + 1

    _apply_stream(server_kit, server_client, table_names.markets, moto_server)
    info, tally = _tally(server_store, scene.market_id, scene.investible)
    assert tally.holdings == {scene.member: (final.version, final.quantity)}
    assert (info.investment_count, info.investment_total) == (1, final.quantity)


def test_concurrent_members_add_up_in_the_aggregates(
    server_kit: Kit,
    server_store: DynamoStore,
    server_client: Any,
    table_names: TableNames,
    moto_server: str,
) -> None:
    scene = server_kit.scene()
    members = [server_kit.join(f"member{n}", scene.market) for n in range(THREADS)]

    def invest(n: int) -> Investment:
        return server_kit.invest(members[n], scene.market_id, scene.investible, n + 1)

    with ThreadPoolExecutor(THREADS) as pool:
        written = list(pool.map(invest, range(THREADS)))

    _apply_stream(server_kit, server_client, table_names.markets, moto_server)
    info, _ = _tally(server_store, scene.market_id, scene.investible)
    assert (info.investment_count, info.investment_total) == (
        THREADS,
        sum(i.quantity for i in written),
    )


def _apply_stream(kit: Kit, client: Any, table: str, endpoint: str) -> None:
    streams = boto3.client("dynamodbstreams", region_name=REGION, endpoint_url=endpoint)
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(page["Records"])
            iterator = page.get("NextShardIterator") if page["Records"] else None
    changes = decode_changes(records)
    for start in range(0, len(changes), 100):
        assert kit.services.summaries.apply(changes[start : start + 100]).failed == ()


def _tally(store: DynamoStore, market_id: str, investible_id: str) -> Any:
    key = market_info_key(market_id, investible_id)
    return store.load_tallies([key])[key]


def test_throttles_sent_back_over_http_are_retried_then_answered_with_a_503(
    server_kit: Kit,
    server_store: DynamoStore,
    server_client: Any,
    table_names: TableNames,
) -> None:
    scene = server_kit.scene()
    flaky = Throttle(server_client, {"TransactWriteItems"}, failures=2, on_send=True)
    invested = server_kit.invest(scene.member, scene.market_id, scene.investible, 2)
    flaky.stop()
    before = _scan(server_client, table_names.markets)
    Throttle(server_client, {"TransactWriteItems"}, on_send=True)

    with pytest.raises(TemporarilyUnavailable):
        server_kit.invest(scene.member, scene.market_id, scene.investible, 5, former=2)

    assert flaky.thrown == 2 and invested.quantity == 2
    assert _scan(server_client, table_names.markets) == before


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=table)["Items"], key=lambda i: (i["pk"]["S"], i["sk"]["S"]))
