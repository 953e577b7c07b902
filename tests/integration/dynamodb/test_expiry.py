"""What the expiry schedule reads from the sparse index, and the expiry run on DynamoDB."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from adapters.dynamodb.store import DynamoStore
from domain.model import Ballot, Investment, MarketType
from ports.repository import ballot_key, investment_key
from tests.integration.conftest import RequestCounter, TableNames
from tests.integration.dynamodb.support import FixedClock, Kit

pytestmark = pytest.mark.aws


def test_market_pages_list_every_market_one_query_a_page(
    dynamodb_client: Any,
    table_names: TableNames,
    clock: FixedClock,
    kit: Kit,
    request_counter: RequestCounter,
) -> None:
    owner = kit.user("ada")
    created = {kit.create_market(owner).market.id for _ in range(5)}
    paged = DynamoStore(dynamodb_client, table_names.users, table_names.markets, page_size=2)

    with request_counter.counting() as calls:
        pages = list(paged.market_pages())

    assert {market.id for page in pages for market in page} == created
    assert len(pages) == 3
    assert calls == {"Query": 3}


def test_only_live_investments_older_than_the_cutoff_are_listed(
    store: DynamoStore, kit: Kit, clock: FixedClock
) -> None:
    scene = kit.scene()
    second = kit.investible(scene.admin, scene.market_id, "Second").investible.id
    old = kit.invest(scene.member, scene.market_id, scene.investible, 3)
    kit.invest(scene.admin, scene.market_id, second, 4)
    kit.services.investments.remove(scene.admin, scene.market_id, second, kit.request_id())
    cutoff = clock.advance(days=3)
    kit.invest(scene.admin, scene.market_id, scene.investible, 5)

    listed = list(store.live_investments_before(scene.market_id, cutoff))

    assert listed == [old]
    assert list(store.live_investments_before(scene.market_id, old.updated_at)) == []


def test_the_schedule_expires_stale_investments_and_clears_the_ballot(
    store: DynamoStore, kit: Kit, clock: FixedClock
) -> None:
    scene = kit.scene(MarketType.DECISION, investment_expiration=2)
    stale = kit.invest(scene.member, scene.market_id, scene.investible, 7)
    clock.advance(days=2, seconds=1)
    fresh = kit.invest(scene.admin, scene.market_id, scene.investible, 1)

    report = kit.services.expiry.run()

    assert (report.expired, report.skipped) == (1, 0)
    member_key = investment_key(scene.market_id, scene.investible, scene.member)
    admin_key = investment_key(scene.market_id, scene.investible, scene.admin)
    ballot = ballot_key(scene.market_id, scene.member)
    snapshot = store.get([member_key, admin_key, ballot])
    expired = snapshot.get(member_key, Investment)
    assert expired is not None and expired.deleted and expired.version == stale.version + 1
    assert snapshot.get(admin_key, Investment) == fresh
    cleared = snapshot.get(ballot, Ballot)
    assert cleared is not None and cleared.investment is None
    assert list(store.live_investments_before(scene.market_id, clock.now() + timedelta(1))) == [
        fresh
    ]
    assert kit.services.expiry.run().expired == 0
