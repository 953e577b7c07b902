"""The repository port on DynamoDB: reads in one request, writes in one transaction.

How each call maps to requests (README.md has the key design behind it):

- `get`: one BatchGetItem of the keys, plus the request record when a request id is
  given; more than 100 keys are split into parallel chunks.
- `list_investibles`: one Query of the market partition from `INVESTIBLE#` to the
  viewer's `PRESENCE#<viewer>`, filtered to investibles, infos and that one presence.
  Presences of members whose id sorts before the viewer's are read and dropped by the
  filter (a few hundred bytes each), which costs capacity, not a round trip.
- `list_presences`: one Query of `PRESENCE#`.
- `list_investments`: for the viewer's own investments one Query from
  `USER#<viewer>#INVESTMENT#` to `USER#<viewer>#PRESENCE`, the copy of the presence kept
  beside them. For another member's, their investments and the viewer's presence cannot
  share a key range, so a Query and a GetItem run in parallel: one round trip of latency,
  two requests.
- `commit`: one TransactWriteItems (see `transactions.py`).

Queries read one page per request and follow LastEvaluatedKey.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta

from adapters.dynamodb import codec, keys, transactions
from adapters.dynamodb.keys import Item, Table
from adapters.dynamodb.reads import Context, batch_get, get_item, query_all
from domain.errors import DuplicateRequest
from domain.model import Investible, Investment, MarketInfo, Presence
from ports.clock import Clock
from ports.repository import Entity, Key, Snapshot, Transaction, presence_key

REQUEST_TTL = timedelta(hours=24)


class DynamoRepository:
    """Implements `ports.repository.Repository`."""

    def __init__(self, context: Context, clock: Clock, request_ttl: timedelta = REQUEST_TTL):
        self._context = context
        self._clock = clock
        self._request_ttl = request_ttl

    def get(self, keys_wanted: Iterable[Key], request_id: str | None = None) -> Snapshot:
        """The objects under the keys; `DuplicateRequest` when the request was applied."""
        wanted = {keys.item_key(key): key for key in keys_wanted}
        request = None if request_id is None else keys.request_key(request_id)
        found = batch_get(self._context, [*wanted, *([request] if request else [])])
        if request is not None and request in found:
            stored = codec.from_item(found[request]).get("result")
            raise DuplicateRequest(None if stored is None else json.loads(stored))
        objects: dict[Key, Entity] = {}
        for item_key, item in found.items():
            entity = codec.decode(item) if item_key in wanted else None
            if entity is not None:
                objects[wanted[item_key]] = entity
        return Snapshot(objects)

    def list_investibles(
        self, market_id: str, viewer_id: str
    ) -> tuple[Presence | None, list[tuple[Investible, MarketInfo]]]:
        """Every investible with its market info, and the viewer's presence: one Query."""
        presence_sk = keys.item_key(presence_key(market_id, viewer_id)).sk
        items = query_all(
            self._context,
            Table.MARKETS,
            f"{keys.PK} = :pk AND {keys.SK} BETWEEN :first AND :presence",
            {
                ":pk": {"S": keys.market_pk(market_id)},
                ":first": {"S": keys.INVESTIBLE},
                ":presence": {"S": presence_sk},
            },
            filter_expression=f"begins_with({keys.SK}, :first) OR {keys.SK} = :presence",
        )
        presence = None
        investibles: list[Investible] = []
        infos: dict[str, MarketInfo] = {}
        for entity in _entities(items):
            if isinstance(entity, Investible):
                investibles.append(entity)
            elif isinstance(entity, MarketInfo):
                infos[entity.investible_id] = entity
            elif isinstance(entity, Presence):
                presence = entity
        pairs = [(inv, infos[inv.id]) for inv in investibles if inv.id in infos]
        return presence, pairs

    def list_presences(self, market_id: str) -> list[Presence]:
        """Every presence of a market: one Query."""
        items = query_all(
            self._context,
            Table.MARKETS,
            f"{keys.PK} = :pk AND begins_with({keys.SK}, :prefix)",
            {":pk": {"S": keys.market_pk(market_id)}, ":prefix": {"S": keys.PRESENCE}},
        )
        return [entity for entity in _entities(items) if isinstance(entity, Presence)]

    def list_investments(
        self, market_id: str, viewer_id: str, user_id: str
    ) -> tuple[Presence | None, list[Investment]]:
        """A member's investments, deleted ones included, and the viewer's presence."""
        pk = {"S": keys.market_pk(market_id)}
        first = {"S": keys.member_prefix(user_id) + keys.INVESTMENT}
        if viewer_id == user_id:
            last = keys.member_presence_key(market_id, user_id).sk
            items = query_all(
                self._context,
                Table.MARKETS,
                f"{keys.PK} = :pk AND {keys.SK} BETWEEN :first AND :last",
                {":pk": pk, ":first": first, ":last": {"S": last}},
            )
        else:
            roster = keys.item_key(presence_key(market_id, viewer_id))
            listed, viewer = self._context.in_parallel(
                [
                    lambda: query_all(
                        self._context,
                        Table.MARKETS,
                        f"{keys.PK} = :pk AND begins_with({keys.SK}, :first)",
                        {":pk": pk, ":first": first},
                    ),
                    lambda: _as_list(get_item(self._context, roster)),
                ]
            )
            items = listed + viewer
        entities = _entities(items)
        presence = next((e for e in entities if isinstance(e, Presence)), None)
        return presence, [e for e in entities if isinstance(e, Investment)]

    def commit(self, transaction: Transaction) -> None:
        """Apply the transaction in one TransactWriteItems, or raise the first failure's error."""
        transactions.commit(self._context, transaction, self._clock.now(), self._request_ttl)


def _entities(items: Iterable[Item]) -> list[Entity]:
    return [entity for item in items if (entity := codec.decode(item)) is not None]


def _as_list(item: Item | None) -> list[Item]:
    return [] if item is None else [item]
