"""What the expiry schedule reads, from the sparse index `gsi1`.

Markets carry `gsi1pk = MARKETS`, so listing them is one Query per page of the index.
A live investment carries `gsi1pk = LIVE#<market>` and `gsi1sk = <updated_at>#...`; the
attributes go when it is deleted, so the index holds only live investments and the stale
ones of a market are one range Query. Index reads are eventually consistent: the
expiry's own transaction re-checks each investment's version.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from adapters.dynamodb import codec, keys
from adapters.dynamodb.keys import Table
from adapters.dynamodb.reads import Context, query_pages
from domain.model import Investment, Market


class DynamoExpiry:
    """Implements `ports.repository.ExpiryRepository`."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def market_pages(self) -> Iterator[Sequence[Market]]:
        """Every market, one index Query per page."""
        for page in query_pages(
            self._context,
            Table.MARKETS,
            f"{keys.GSI_PK} = :markets",
            {":markets": {"S": keys.MARKETS_INDEX}},
            index=keys.GSI,
        ):
            markets = [m for item in page if isinstance(m := codec.decode(item), Market)]
            if markets:
                yield markets

    def live_investments_before(self, market_id: str, before: datetime) -> Iterator[Investment]:
        """Live investments of a market last changed before `before`, oldest first."""
        for page in query_pages(
            self._context,
            Table.MARKETS,
            f"{keys.GSI_PK} = :live AND {keys.GSI_SK} < :before",
            {":live": {"S": keys.live_partition(market_id)}, ":before": {"S": keys.iso(before)}},
            index=keys.GSI,
        ):
            for item in page:
                investment = codec.decode(item)
                if isinstance(investment, Investment) and not investment.deleted:
                    yield investment
