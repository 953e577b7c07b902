"""`DynamoStore`: every repository port on the users and markets tables, behind one object.

Build it once per cold start and share it:

    store = DynamoStore(make_client(), users_table="...-users", markets_table="...-markets")

It implements `Repository` and `ExpiryRepository` (ports/repository.py) and
`SummaryRepository` (ports/summaries.py), with the semantics of the in-memory store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from adapters.dynamodb import memberships, tallies
from adapters.dynamodb.expiry import DynamoExpiry
from adapters.dynamodb.reads import Context
from adapters.dynamodb.repository import REQUEST_TTL, DynamoRepository
from adapters.dynamodb.retries import RetryPolicy
from adapters.dynamodb.signatures import SignatureStore
from domain.model import (
    Investible,
    Investment,
    Market,
    MarketInfo,
    Membership,
    Presence,
    Signatures,
    Tally,
)
from ports.clock import Clock, SystemClock
from ports.repository import Key, Snapshot, Transaction


class DynamoStore:
    """The repository, expiry and summary ports on DynamoDB.

    `client` is a low-level boto3 DynamoDB client (see `client.make_client`); `retry` bounds
    the retries of throttled calls; `page_size` caps the items of one Query page (None: the
    1 MB DynamoDB page); `request_ttl` is how long a request record guards against a
    duplicate invocation.
    """

    def __init__(
        self,
        client: Any,
        users_table: str,
        markets_table: str,
        *,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        page_size: int | None = None,
        request_ttl: timedelta = REQUEST_TTL,
    ) -> None:
        self.context = Context(
            client, users_table, markets_table, retry or RetryPolicy(), page_size
        )
        self._clock = clock or SystemClock()
        self._request_ttl = request_ttl
        self._repository = DynamoRepository(self.context, self._clock, request_ttl)
        self._expiry = DynamoExpiry(self.context)
        self._signatures = SignatureStore(self.context)

    def with_retry(self, retry: RetryPolicy) -> DynamoStore:
        """The same tables through the same client, with another retry policy."""
        context = self.context
        return DynamoStore(
            context.client,
            context.users_table,
            context.markets_table,
            clock=self._clock,
            retry=retry,
            page_size=context.page_size,
            request_ttl=self._request_ttl,
        )

    # Repository

    def get(self, keys: Iterable[Key], request_id: str | None = None) -> Snapshot:
        """The objects under `keys` in one BatchGetItem; refuses an applied request id."""
        return self._repository.get(keys, request_id)

    def list_investibles(
        self, market_id: str, viewer_id: str
    ) -> tuple[Presence | None, list[tuple[Investible, MarketInfo]]]:
        """Every investible with its info, and the viewer's presence, in one Query."""
        return self._repository.list_investibles(market_id, viewer_id)

    def list_presences(self, market_id: str) -> list[Presence]:
        """Every presence of a market, in one Query."""
        return self._repository.list_presences(market_id)

    def list_investments(
        self, market_id: str, viewer_id: str, user_id: str
    ) -> tuple[Presence | None, list[Investment]]:
        """A member's investments and the viewer's presence, in one round trip."""
        return self._repository.list_investments(market_id, viewer_id, user_id)

    def commit(self, transaction: Transaction) -> None:
        """Apply the transaction in one TransactWriteItems."""
        self._repository.commit(transaction)

    # ExpiryRepository

    def market_pages(self) -> Iterator[Sequence[Market]]:
        """Every market, a page at a time."""
        return self._expiry.market_pages()

    def live_investments_before(self, market_id: str, before: datetime) -> Iterator[Investment]:
        """Live investments of a market last updated before `before`."""
        return self._expiry.live_investments_before(market_id, before)

    # SummaryRepository

    def memberships(self, user_id: str) -> list[Membership]:
        """The markets a user belongs to, in one Query."""
        return memberships.memberships(self.context, user_id)

    def signatures(self, market_ids: Sequence[str], member_id: str) -> list[Signatures]:
        """The signatures of the listed markets the member belongs to, in one BatchGet."""
        return self._signatures.for_member(market_ids, member_id)

    def load_tallies(self, info_keys: Iterable[Key]) -> dict[Key, tuple[MarketInfo, Tally]]:
        """Market infos with their tallies."""
        return tallies.load_tallies(self.context, info_keys)

    def save_tally(self, info: MarketInfo, tally: Tally, expected_version: int) -> None:
        """Store a tally and the info's totals if the info is still `expected_version`."""
        tallies.save_tally(self.context, info, tally, expected_version)

    def load_signatures(self, market_ids: Iterable[str]) -> dict[str, Signatures]:
        """The signatures of each market, from a consistent snapshot."""
        return self._signatures.load(market_ids)

    def save_signatures(self, signatures: Signatures, expected_version: int) -> None:
        """Store signatures if their stored version is still `expected_version`."""
        self._signatures.save(signatures, expected_version)

    def save_memberships(self, lines: Sequence[Membership]) -> None:
        """Store memberships unless newer ones are stored."""
        memberships.save_memberships(self.context, lines)
