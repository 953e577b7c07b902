"""Items as the tables store them: exact numbers and instants, keys no id can forge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.dynamodb import codec, keys
from adapters.dynamodb.store import DynamoStore
from domain.errors import DomainError
from domain.model import (
    Account,
    Ballot,
    Investible,
    Investment,
    Market,
    MarketInfo,
    MarketStage,
    MarketType,
    Presence,
    Stage,
    User,
)
from ports.repository import (
    Entity,
    Put,
    Transaction,
    investible_key,
    key_of,
    market_info_key,
)

pytestmark = pytest.mark.aws

AT = datetime(2026, 2, 3, 10, 20, 30, 456789, tzinfo=UTC)
HUGE = 2**63 + 12345  # beyond a float's exact range and a signed 64-bit int


def _never(_: Entity | None) -> DomainError:
    raise AssertionError("no conflict expected")


def _investment(**changes: Any) -> Investment:
    fields: dict[str, Any] = {
        "market_id": "m-1",
        "investible_id": "i-1",
        "user_id": "u-1",
        "quantity": 7,
        "comment_id": None,
        "deleted": False,
        "created_at": AT,
        "updated_at": AT,
        "version": 3,
    }
    return Investment(**(fields | changes))


def _entities() -> list[Entity]:
    stages = (Stage("s-1", "m-1", "Approvable", True, 2), Stage("s-2", "m-1", "Doable", False))
    return [
        Market(
            "m-1",
            "Roadmap",
            "Ünïcode ✓",
            MarketType.PLANNING,
            MarketStage.INACTIVE,
            "a-1",
            "u-1",
            30,
            True,
            "invite",
            stages,
            AT,
            AT + timedelta(seconds=1),
            4,
        ),
        Investible("i-1", "m-1", "Idea", None, "u-1", AT, AT, 2),
        MarketInfo("mi-1", "m-1", "i-1", "s-1", "Approvable", False, AT, AT, 3, -12, 9),
        Presence("u-1", "m-1", "a-1", "Ada", "ada@example.com", True, True, 5),
        _investment(),
        _investment(deleted=True, quantity=0, comment_id="c-9"),
        Ballot("m-1", "u-1", _investment(), 6),
        Ballot("m-1", "u-2", None, 1),
        User("u-1", "a-1", "Ada", "ada@example.com", AT, 1),
        Account("a-1", "Ada's account", "u-1", AT, 2),
    ]


@pytest.mark.parametrize("entity", _entities(), ids=lambda e: type(e).__name__)
def test_every_entity_reads_back_equal_to_what_was_written(entity: Entity) -> None:
    assert codec.decode(codec.encode(entity)) == entity


def test_instants_keep_their_microseconds_and_come_back_in_utc() -> None:
    elsewhere = datetime(2026, 2, 3, 12, 20, 30, 1, tzinfo=timezone(timedelta(hours=2)))

    item = codec.encode(Investible("i", "m", "n", None, "u", elsewhere, elsewhere))
    decoded = codec.decode(item)

    assert item["created_at"] == {"S": "2026-02-03T10:20:30.000001+00:00"}
    assert isinstance(decoded, Investible)
    assert decoded.created_at == elsewhere
    assert decoded.created_at.utcoffset() == timedelta(0)


def test_large_numbers_survive_a_round_trip_through_the_table_exactly(
    store: DynamoStore, dynamodb_client: Any
) -> None:
    info = MarketInfo("mi", "m", "i", "s", "Approvable", True, AT, AT, HUGE, -HUGE, HUGE)
    investment = _investment(quantity=HUGE, version=HUGE - 1)

    store.commit(Transaction(puts=[Put(info, None, _never), Put(investment, None, _never)]))
    snapshot = store.get([key_of(info), key_of(investment)])

    assert snapshot.get(key_of(info), MarketInfo) == info
    stored = snapshot.get(key_of(investment), Investment)
    assert stored is not None
    assert stored.quantity == HUGE and type(stored.quantity) is int
    assert stored.version == HUGE - 1


def test_a_stored_fraction_is_refused_rather_than_rounded() -> None:
    item = codec.encode(_investment())
    item["quantity"] = {"N": "2.5"}

    with pytest.raises(ValueError, match="whole"):
        codec.decode(item)


def test_an_investible_id_cannot_name_the_item_of_a_market_info() -> None:
    forged = keys.item_key(investible_key("m", "i-1#INFO"))
    info = keys.item_key(market_info_key("m", "i-1"))

    assert forged != info
    assert "#" not in forged.sk.removeprefix(keys.INVESTIBLE)


def test_an_id_that_extends_another_id_stays_out_of_its_key_range() -> None:
    prefix = keys.member_prefix("user")

    for other in ("user!", "user ", "user#x", "user%23"):
        assert not keys.member_prefix(other).startswith(prefix)
        assert not keys.item_key(key_of(_investment(user_id=other))).sk.startswith(prefix)


def test_items_without_a_domain_object_decode_to_nothing() -> None:
    request = keys.request_key("r-1").attributes() | codec.to_item({codec.KIND: "request"})
    copy = codec.to_item(codec.plain_presence(_entities()[3], codec.PRESENCE_COPY))

    assert codec.decode(request) is None
    assert codec.decode({"pk": {"S": "x"}, "sk": {"S": "y"}}) is None
    assert codec.decode(copy, copies=False) is None
    assert codec.decode(copy) == _entities()[3]
