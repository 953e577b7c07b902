"""The read calls: BatchGetItem (chunked, unprocessed keys retried), Query pages, GetItem.

Every call goes through the retry policy. Reads of the main tables are strongly
consistent by default, so a read that feeds a compare-and-set sees the latest write;
index queries cannot be.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from adapters.dynamodb.keys import PK, SK, Item, ItemKey, Table
from adapters.dynamodb.retries import RetryPolicy

T = TypeVar("T")

BATCH_GET_LIMIT = 100  # keys per BatchGetItem
PARALLEL_READS = 4


@dataclass(slots=True)
class Context:
    """What every part of the store shares: the client, the table names and the retry policy."""

    client: Any
    users_table: str
    markets_table: str
    retry: RetryPolicy
    page_size: int | None = None
    _executor: ThreadPoolExecutor | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def name(self, table: Table) -> str:
        """The deployed name of a table."""
        return self.users_table if table is Table.USERS else self.markets_table

    def table_of(self, name: str) -> Table:
        """The table a deployed name belongs to."""
        return Table.USERS if name == self.users_table else Table.MARKETS

    def in_parallel(self, calls: Sequence[Callable[[], T]]) -> list[T]:
        """Run independent calls at once (so they cost one round trip of latency)."""
        if len(calls) <= 1:
            return [call() for call in calls]
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(PARALLEL_READS, "dynamodb-read")
        futures = [self._executor.submit(call) for call in calls[1:]]
        first = calls[0]()
        return [first, *(future.result() for future in futures)]


def batch_get(
    context: Context, item_keys: Sequence[ItemKey], *, consistent: bool = True
) -> dict[ItemKey, Item]:
    """The items found under `item_keys`: one BatchGetItem per 100 keys, chunks in parallel."""
    unique = list(dict.fromkeys(item_keys))
    chunks = [
        unique[start : start + BATCH_GET_LIMIT] for start in range(0, len(unique), BATCH_GET_LIMIT)
    ]
    found: dict[ItemKey, Item] = {}
    for part in context.in_parallel(
        [partial(_batch_get_chunk, context, chunk, consistent) for chunk in chunks]
    ):
        found.update(part)
    return found


def _batch_get_chunk(
    context: Context, item_keys: Sequence[ItemKey], consistent: bool
) -> dict[ItemKey, Item]:
    request: dict[str, Any] = {}
    for key in item_keys:
        table = request.setdefault(
            context.name(key.table), {"Keys": [], "ConsistentRead": consistent}
        )
        table["Keys"].append(key.attributes())
    found: dict[ItemKey, Item] = {}
    policy = context.retry
    for attempt in range(1, policy.attempts + 1):
        response = policy.call(partial(context.client.batch_get_item, RequestItems=request))
        for name, items in response.get("Responses", {}).items():
            table = context.table_of(name)
            for item in items:
                found[ItemKey(table, item[PK]["S"], item[SK]["S"])] = item
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return found
        if attempt < policy.attempts:
            policy.pause(attempt)
    raise policy.unavailable("unprocessed keys")


def get_item(context: Context, key: ItemKey, *, consistent: bool = True) -> Item | None:
    """One item, or None."""
    response = context.retry.call(
        lambda: context.client.get_item(
            TableName=context.name(key.table), Key=key.attributes(), ConsistentRead=consistent
        )
    )
    item = response.get("Item")
    return item if item else None


def query_pages(
    context: Context,
    table: Table,
    key_condition: str,
    values: Mapping[str, Any],
    *,
    index: str | None = None,
    filter_expression: str | None = None,
    consistent: bool = True,
    limit: int | None = None,
) -> Iterator[list[Item]]:
    """The pages of a Query: one request per page, following LastEvaluatedKey."""
    params: dict[str, Any] = {
        "TableName": context.name(table),
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": dict(values),
    }
    if index is None:
        params["ConsistentRead"] = consistent
    else:
        params["IndexName"] = index
    if filter_expression is not None:
        params["FilterExpression"] = filter_expression
    page_size = limit or context.page_size
    if page_size is not None:
        params["Limit"] = page_size
    while True:
        response = context.retry.call(partial(context.client.query, **params))
        yield list(response.get("Items", []))
        last = response.get("LastEvaluatedKey")
        if not last:
            return
        params["ExclusiveStartKey"] = last


def query_all(
    context: Context, table: Table, key_condition: str, values: Mapping[str, Any], **options: Any
) -> list[Item]:
    """Every item of a Query, all pages read."""
    return [
        item
        for page in query_pages(context, table, key_condition, values, **options)
        for item in page
    ]
