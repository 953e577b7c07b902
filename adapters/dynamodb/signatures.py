"""A market's signatures on DynamoDB: a small head item and a fixed set of shards.

The head (`SIGNATURE`) holds the version the consumer compares-and-sets. The entries are
spread over `SHARDS` items (`SIGNATURE#00`..) by a stable hash of type and object ids, each
shard one compact JSON text (JSON decodes far faster than a DynamoDB map of thousands of
numbers). An investment entry takes about 85 bytes, so with shards filled to about 85% a
market holds some 30,000 entries (say 100 members' investments in 250 investibles, plus
the rest); past that a save is refused with `ItemTooLarge`.

The consumer loads head and shards with one TransactGetItems (a consistent snapshot) and
saves with one TransactWriteItems: the head conditioned on its version, and only the
shards whose text changed since that load. The summary route reads heads and shards with
the member's presences in one BatchGet (10 keys a market, so 10 markets a request, more in
parallel chunks), eventually consistent: signatures trail writes anyway.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from adapters.dynamodb import codec, decoders, keys
from adapters.dynamodb.keys import Item, ItemKey
from adapters.dynamodb.reads import Context, batch_get
from adapters.dynamodb.retries import (
    CANCELLED,
    CONDITION_FAILED_REASON,
    cancellation_reasons,
    error_code,
)
from adapters.dynamodb.sizes import check_size
from domain.errors import StaleWrite
from domain.model import ObjectVersion, Signatures
from ports.repository import presence_key

SHARDS = 8
KEYS_PER_MARKET = SHARDS + 1  # the head and the shards
TRANSACT_LIMIT = 100
REMEMBERED_MARKETS = 256


def entry_key(entry: ObjectVersion) -> str:
    """The key an entry has in `Signatures.entries` (as `Signatures.record` makes it)."""
    if entry.object_id_two is None:
        return entry.object_id_one
    return f"{entry.object_id_one}/{entry.object_id_two}"


def shard_of(kind: str, key: str) -> int:
    """The shard an entry lives in; the same in every process (unlike `hash`)."""
    return zlib.crc32(f"{kind}\x1f{key}".encode()) % SHARDS


def split(signatures: Signatures) -> dict[int, str]:
    """The JSON text of every non-empty shard; equal content gives equal text."""
    buckets: dict[int, dict[str, list[list[object]]]] = {}
    for kind in sorted(signatures.entries):
        for key, entry in sorted(signatures.entries[kind].items()):
            rows = buckets.setdefault(shard_of(kind, key), {}).setdefault(kind, [])
            rows.append([entry.object_id_one, entry.object_id_two, entry.version])
    return {shard: json.dumps(rows, separators=(",", ":")) for shard, rows in buckets.items()}


def join(market_id: str, version: int, texts: Iterable[str]) -> Signatures:
    """The signatures whose shards hold `texts`."""
    signatures = Signatures(market_id, version=version)
    for text in texts:
        parsed: Mapping[str, list[list[Any]]] = json.loads(text)
        for kind, rows in parsed.items():
            of_kind = signatures.entries.setdefault(kind, {})
            for one, two, number in rows:
                entry = ObjectVersion(one, int(number), two)
                of_kind[entry_key(entry)] = entry
    return signatures


def shard_keys(market_id: str) -> list[ItemKey]:
    """The keys of every shard of a market, present or not."""
    return [keys.signatures_shard_key(market_id, shard) for shard in range(SHARDS)]


def _version(head: Item | None) -> int:
    return 0 if head is None else decoders.whole(codec.from_item(head)["version"])


def _text(item: Item | None) -> str | None:
    entries = None if item is None else item.get("entries")
    return entries.get("S") if isinstance(entries, dict) else None


class SignatureStore:
    """Reads and compare-and-sets the signatures of markets."""

    def __init__(self, context: Context) -> None:
        self._context = context
        # The shard texts of each market as last loaded or saved, with their version, so
        # that a save writes only the shards that changed.
        self._seen: OrderedDict[str, tuple[int, dict[int, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def for_member(self, market_ids: Sequence[str], member_id: str) -> list[Signatures]:
        """The signatures of the listed markets the member has a presence in: one BatchGet."""
        wanted: list[ItemKey] = []
        for market_id in market_ids:
            wanted.append(keys.item_key(presence_key(market_id, member_id)))
            wanted.append(keys.signatures_head_key(market_id))
            wanted.extend(shard_keys(market_id))
        found = batch_get(self._context, wanted, consistent=False)
        answer = []
        for market_id in market_ids:
            if keys.item_key(presence_key(market_id, member_id)) not in found:
                continue
            texts = (_text(found.get(key)) for key in shard_keys(market_id))
            version = _version(found.get(keys.signatures_head_key(market_id)))
            answer.append(join(market_id, version, [text for text in texts if text is not None]))
        return answer

    def load(self, market_ids: Iterable[str]) -> dict[str, Signatures]:
        """Each market's signatures; one TransactGetItems per 11 markets."""
        ids = list(dict.fromkeys(market_ids))
        per_call = TRANSACT_LIMIT // KEYS_PER_MARKET
        loaded: dict[str, Signatures] = {}
        for start in range(0, len(ids), per_call):
            loaded.update(self._snapshot(ids[start : start + per_call]))
        return loaded

    def _snapshot(self, market_ids: Sequence[str]) -> dict[str, Signatures]:
        wanted = [
            key
            for market_id in market_ids
            for key in (keys.signatures_head_key(market_id), *shard_keys(market_id))
        ]
        gets = [
            {"Get": {"TableName": self._context.name(key.table), "Key": key.attributes()}}
            for key in wanted
        ]
        response = self._context.retry.call(
            lambda: self._context.client.transact_get_items(TransactItems=gets)
        )
        items = [entry.get("Item") for entry in response.get("Responses", [])]
        found = dict(zip(wanted, items, strict=True))
        loaded = {}
        for market_id in market_ids:
            version = _version(found.get(keys.signatures_head_key(market_id)))
            texts = {
                shard: text
                for shard, key in enumerate(shard_keys(market_id))
                if (text := _text(found.get(key))) is not None
            }
            self._remember(market_id, version, texts)
            loaded[market_id] = join(market_id, version, texts.values())
        return loaded

    def save(self, signatures: Signatures, expected_version: int) -> None:
        """Head and changed shards in one transaction; `StaleWrite` if the head moved."""
        market_id = signatures.market_id
        texts = split(signatures)
        with self._lock:
            seen = self._seen.get(market_id)
        before = seen[1] if seen is not None and seen[0] == expected_version else {}
        items = [self._head_update(market_id, signatures.version, expected_version)]
        for shard, text in sorted(texts.items()):
            if before.get(shard) == text:
                continue
            key = keys.signatures_shard_key(market_id, shard)
            item = key.attributes() | codec.to_item(
                {codec.KIND: "signatures_shard", "market_id": market_id, "entries": text}
            )
            check_size(item, f"Shard {shard} of the signatures of market {market_id}")
            items.append({"Put": {"TableName": self._context.name(key.table), "Item": item}})
        try:
            self._context.retry.call(
                lambda: self._context.client.transact_write_items(TransactItems=items)
            )
        except ClientError as error:
            reasons = cancellation_reasons(error)
            first = reasons[0].get("Code") if reasons else None
            if error_code(error) == CANCELLED and first == CONDITION_FAILED_REASON:
                raise StaleWrite("The signatures changed.") from None
            raise
        self._remember(market_id, signatures.version, texts)

    def _head_update(self, market_id: str, version: int, expected: int) -> dict[str, Any]:
        head = keys.signatures_head_key(market_id)
        values = {
            ":version": {"N": str(version)},
            ":market": {"S": market_id},
            ":kind": {"S": "signatures"},
        }
        if expected == 0:
            condition = f"attribute_not_exists({keys.PK})"
        else:
            condition = "#version = :expected"
            values[":expected"] = {"N": str(expected)}
        return {
            "Update": {
                "TableName": self._context.name(head.table),
                "Key": head.attributes(),
                "UpdateExpression": "SET #version = :version, #kind = :kind, market_id = :market",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#version": "version", "#kind": codec.KIND},
                "ExpressionAttributeValues": values,
            }
        }

    def _remember(self, market_id: str, version: int, texts: dict[int, str]) -> None:
        with self._lock:
            self._seen[market_id] = (version, texts)
            self._seen.move_to_end(market_id)
            while len(self._seen) > REMEMBERED_MARKETS:
                self._seen.popitem(last=False)
