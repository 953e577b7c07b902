"""The lines of a user's market summary, under the user in the users table.

Listing them is one Query. Saving keeps the newest line per (user, market): each write is
conditioned on the stored version not being newer, and a line that loses that race is
dropped, not an error. One line is one PutItem; more go in transactions of up to 100,
resent without the lines whose condition failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from adapters.dynamodb import codec, decoders, keys
from adapters.dynamodb.keys import ItemKey, Table
from adapters.dynamodb.reads import Context, query_all
from adapters.dynamodb.retries import (
    CANCELLED,
    CONDITION_FAILED_ERROR,
    CONDITION_FAILED_REASON,
    cancellation_reasons,
    error_code,
)
from domain.model import Membership

TRANSACT_LIMIT = 100


def memberships(context: Context, user_id: str) -> list[Membership]:
    """The user's lines, one Query (eventually consistent: summaries trail writes)."""
    items = query_all(
        context,
        Table.USERS,
        f"{keys.PK} = :pk AND begins_with({keys.SK}, :prefix)",
        {":pk": {"S": keys.membership_key(user_id, "").pk}, ":prefix": {"S": "MARKET#"}},
        consistent=False,
    )
    return [_membership(codec.from_item(item)) for item in items]


def save_memberships(context: Context, lines: Sequence[Membership]) -> None:
    """Store each line unless a newer one (by presence version) is stored."""
    newest: dict[ItemKey, Membership] = {}
    for line in lines:
        key = keys.membership_key(line.user_id, line.market_id)
        if key not in newest or newest[key].version < line.version:
            newest[key] = line
    pending = list(newest.items())
    for start in range(0, len(pending), TRANSACT_LIMIT):
        _save(context, pending[start : start + TRANSACT_LIMIT])


def _save(context: Context, lines: list[tuple[ItemKey, Membership]]) -> None:
    while lines:
        puts = [_put(context, key, line) for key, line in lines]
        try:
            if len(puts) == 1:
                context.retry.call(partial(context.client.put_item, **puts[0]))
            else:
                items = [{"Put": put} for put in puts]
                context.retry.call(
                    partial(context.client.transact_write_items, TransactItems=items)
                )
            return
        except ClientError as error:
            code = error_code(error)
            if code == CONDITION_FAILED_ERROR:
                return
            reasons = cancellation_reasons(error) if code == CANCELLED else []
            newer = {i for i, r in enumerate(reasons) if r.get("Code") == CONDITION_FAILED_REASON}
            if not newer:
                raise
            lines = [line for i, line in enumerate(lines) if i not in newer]


def _put(context: Context, key: ItemKey, line: Membership) -> dict[str, Any]:
    plain = {
        codec.KIND: "membership",
        "user_id": line.user_id,
        "market_id": line.market_id,
        "active": line.active,
        "banned": line.banned,
        "version": line.version,
    }
    return {
        "TableName": context.name(key.table),
        "Item": key.attributes() | codec.to_item(plain),
        "ConditionExpression": f"attribute_not_exists({keys.PK}) OR #version <= :version",
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": {":version": {"N": str(line.version)}},
    }


def _membership(plain: dict[str, Any]) -> Membership:
    return Membership(
        user_id=plain["user_id"],
        market_id=plain["market_id"],
        active=plain["active"],
        banned=plain["banned"],
        version=decoders.whole(plain["version"]),
    )
