"""Stream records, read from the markets table's real stream, decoded into domain changes."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import boto3
import pytest

from adapters.dynamodb import keys
from adapters.dynamodb.store import DynamoStore
from adapters.dynamodb.stream import decode_changes, decode_record, decode_records
from domain.events import Change
from domain.model import (
    Ballot,
    Investible,
    Investment,
    Market,
    MarketInfo,
    MarketType,
    Presence,
)
from ports.repository import market_info_key
from tests.integration.conftest import REGION, TableNames
from tests.integration.dynamodb.support import Kit

pytestmark = pytest.mark.aws


class StreamReader:
    """Reads a table's stream from where it last stopped, the way a consumer would."""

    def __init__(self, client: Any, table: str) -> None:
        self._streams = boto3.client("dynamodbstreams", region_name=REGION)
        self._arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        self._iterators: dict[str, str] = {}

    def records(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        for shard in shards:
            iterator = (
                self._iterators.get(shard["ShardId"])
                or self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            page = self._streams.get_records(ShardIterator=iterator)
            found.extend(page["Records"])
            self._iterators[shard["ShardId"]] = page["NextShardIterator"]
        return found


@pytest.fixture
def reader(dynamodb_client: Any, table_names: TableNames) -> StreamReader:
    return StreamReader(dynamodb_client, table_names.markets)


def test_writes_come_back_as_changes_of_domain_objects(kit: Kit, reader: StreamReader) -> None:
    scene = kit.scene(MarketType.DECISION)
    invested = kit.invest(scene.member, scene.market_id, scene.investible, 4)
    records = reader.records()

    changes = decode_changes(records)

    kinds = Counter(type(change.new).__name__ for change in changes)
    assert kinds == {
        "Market": 1,
        "Presence": 2,
        "Investible": 1,
        "MarketInfo": 1,
        "Investment": 1,
        "Ballot": 1,
    }
    assert len(records) > len(changes)  # request records and presence copies say nothing
    assert all(change.old is None for change in changes)
    assert [c.new for c in changes if isinstance(c.new, Investment)] == [invested]
    assert all(change.sequence for change in changes)
    sequences = [int(change.sequence) for change in changes]
    assert sequences == sorted(sequences)


def test_a_modification_carries_the_image_before_and_after(kit: Kit, reader: StreamReader) -> None:
    scene = kit.scene()
    first = kit.invest(scene.member, scene.market_id, scene.investible, 4)
    reader.records()

    second = kit.invest(scene.member, scene.market_id, scene.investible, 9, former=4)
    changes = decode_changes(reader.records())

    assert [(c.old, c.new) for c in changes] == [(first, second)]


def test_a_removed_item_reports_its_old_image_only(
    kit: Kit, reader: StreamReader, dynamodb_client: Any, table_names: TableNames
) -> None:
    scene = kit.scene()
    reader.records()
    key = keys.item_key(market_info_key(scene.market_id, scene.investible))

    dynamodb_client.delete_item(TableName=table_names.markets, Key=key.attributes())
    [change] = decode_changes(reader.records())

    assert change.new is None
    assert isinstance(change.old, MarketInfo) and change.current == change.old


def test_a_ttl_deletion_or_a_record_without_images_is_no_change(
    kit: Kit, reader: StreamReader
) -> None:
    kit.scene()
    records = reader.records()
    request = next(r for r in records if r["dynamodb"]["Keys"]["pk"]["S"].startswith("REQUEST#"))
    expired = copy.deepcopy(request)
    expired["eventName"] = "REMOVE"
    expired["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    expired["dynamodb"]["OldImage"] = expired["dynamodb"].pop("NewImage")
    keys_only = copy.deepcopy(records[0])
    for image in ("NewImage", "OldImage"):
        keys_only["dynamodb"].pop(image, None)

    assert decode_record(expired) is None
    assert decode_record(keys_only) is None


def test_a_malformed_record_is_reported_by_its_sequence_number(
    kit: Kit, reader: StreamReader
) -> None:
    kit.scene()
    records = reader.records()
    broken = copy.deepcopy(
        next(
            r
            for r in records
            if "NewImage" in r["dynamodb"] and r["dynamodb"]["NewImage"]["kind"]["S"] == "market"
        )
    )
    broken["dynamodb"]["NewImage"]["version"] = {"S": "not a number"}

    changes, undecodable = decode_records([*records, broken])

    assert undecodable == [broken["dynamodb"]["SequenceNumber"]]
    assert changes == decode_changes(records)


def test_the_consumer_fed_from_the_stream_keeps_exact_totals_even_when_redelivered(
    kit: Kit, store: DynamoStore, reader: StreamReader
) -> None:
    scene = kit.scene(MarketType.INITIATIVE)
    kit.invest(scene.member, scene.market_id, scene.investible, 4)
    kit.invest(scene.admin, scene.market_id, scene.investible, -3)
    kit.invest(scene.member, scene.market_id, scene.investible, 10, former=4)
    batch = decode_changes(reader.records())

    first = kit.services.summaries.apply(batch)
    again = kit.services.summaries.apply(batch)
    consumer_writes = decode_changes(reader.records())
    kit.services.summaries.apply(consumer_writes)

    assert first.failed == again.failed == ()
    key = market_info_key(scene.market_id, scene.investible)
    info, tally = store.load_tallies([key])[key]
    assert (info.investment_count, info.investment_total) == (2, 7)
    assert tally.holdings == {scene.member: (2, 10), scene.admin: (1, -3)}
    assert [type(c.new) for c in consumer_writes] == [MarketInfo]
    signatures = store.load_signatures([scene.market_id])[scene.market_id]
    assert signatures.entries["market_investible"][f"{info.id}/{scene.investible}"].version == (
        info.version
    )
    assert {m.market_id for m in store.memberships(scene.member)} == {scene.market_id}


def test_decoded_objects_are_the_ones_the_services_wrote(kit: Kit, reader: StreamReader) -> None:
    scene = kit.scene(MarketType.DECISION)
    changes: list[Change] = decode_changes(reader.records())

    by_type = {type(change.new): change.new for change in changes}
    assert by_type[Market] == scene.market
    assert isinstance(by_type[Investible], Investible)
    assert isinstance(by_type[Presence], Presence)
    assert Ballot not in by_type  # no vote yet
