"""A domain `Transaction` as one TransactWriteItems, and its cancellation mapped back.

Each put becomes a Put of the whole item (a market info becomes an Update with SET, so the
stream consumer's tally attribute on it survives), conditioned on the version it replaces;
each check becomes a ConditionCheck; the request record is a Put that must not exist yet.
The items go out in the order request, checks, puts, so when several conditions fail the
error raised is the one the in-memory store would raise. Every item asks for the current
item on failure (`ALL_OLD`), so a cancellation is mapped without another read.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from botocore.exceptions import ClientError

from adapters.dynamodb import codec, keys
from adapters.dynamodb.keys import Item, ItemKey
from adapters.dynamodb.reads import Context
from adapters.dynamodb.retries import (
    CANCELLED,
    CONDITION_FAILED_REASON,
    cancellation_reasons,
    error_code,
)
from adapters.dynamodb.sizes import check_size
from domain.errors import DomainError, DuplicateRequest
from domain.model import MarketInfo, Presence
from ports.repository import Check, Entity, Put, RequestRecord, Transaction, key_of

MAX_TRANSACTION_ITEMS = 100
Failure = Callable[[Item | None], DomainError]


@dataclass(slots=True)
class _Expression:
    """Placeholders for one item's expressions."""

    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def name(self, attribute: str) -> str:
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, plain: object) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = codec.to_attribute(plain)
        return placeholder

    def attach(self, operation: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            operation["ExpressionAttributeNames"] = self.names
        if self.values:
            operation["ExpressionAttributeValues"] = self.values
        return operation


@dataclass(slots=True)
class _Op:
    """One transaction item, the key it writes, and what its failed condition means."""

    key: ItemKey
    action: str
    body: dict[str, Any]
    conditions: list[str]
    expression: _Expression
    failure: Failure

    def request_item(self, table_name: str) -> dict[str, Any]:
        body = dict(self.body, TableName=table_name)
        body["ConditionExpression"] = " AND ".join(f"({c})" for c in self.conditions)
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {self.action: self.expression.attach(body)}


def _version_condition(expression: _Expression, expected: int | None) -> str:
    if expected is None:
        return f"attribute_not_exists({keys.PK})"
    return f"{expression.name('version')} = {expression.value(expected)}"


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


def _check_holds(entity: Entity | None, expected: Mapping[str, object]) -> bool:
    return entity is not None and all(
        _plain(getattr(entity, name, None)) == _plain(value) for name, value in expected.items()
    )


def _entity_failure(handler: Callable[[Entity | None], DomainError]) -> Failure:
    return lambda item: handler(None if item is None else codec.decode(item))


def _put_ops(put: Put) -> list[_Op]:
    entity = put.entity
    failure = _entity_failure(put.on_conflict)
    if isinstance(entity, MarketInfo):
        expression = _Expression()
        plain = codec.plain_market_info(entity)
        sets = ", ".join(f"{expression.name(k)} = {expression.value(v)}" for k, v in plain.items())
        key = keys.item_key(key_of(entity))
        check_size(key.attributes() | codec.to_item(plain), "The market info item")
        body = {"Key": key.attributes(), "UpdateExpression": f"SET {sets}"}
        condition = _version_condition(expression, put.expected_version)
        return [_Op(key, "Update", body, [condition], expression, failure)]
    items = [(keys.item_key(key_of(entity)), codec.encode(entity))]
    if isinstance(entity, Presence):
        copy_key = keys.member_presence_key(entity.market_id, entity.id)
        copy = copy_key.attributes() | codec.to_item(
            codec.plain_presence(entity, codec.PRESENCE_COPY)
        )
        items.append((copy_key, copy))
    ops = []
    for key, item in items:
        check_size(item, f"The {type(entity).__name__} item")
        expression = _Expression()
        condition = _version_condition(expression, put.expected_version)
        ops.append(_Op(key, "Put", {"Item": item}, [condition], expression, failure))
    return ops


def _check_conditions(check: Check, expression: _Expression) -> list[str]:
    return [f"attribute_exists({keys.PK})"] + [
        f"{expression.name(name)} = {expression.value(_plain(value))}"
        for name, value in check.expected.items()
    ]


def _check_op(check: Check) -> _Op:
    expression = _Expression()
    key = keys.item_key(check.key)
    return _Op(
        key,
        "ConditionCheck",
        {"Key": key.attributes()},
        _check_conditions(check, expression),
        expression,
        _entity_failure(check.on_failure),
    )


def _merge_check(op: _Op, check: Check) -> None:
    """Fold a check into the put of the same item: one item may appear once in a transaction."""
    op.conditions.extend(_check_conditions(check, op.expression))
    put_failure = op.failure

    def failure(item: Item | None) -> DomainError:
        current = None if item is None else codec.decode(item)
        if not _check_holds(current, check.expected):
            return check.on_failure(current)
        return put_failure(item)

    op.failure = failure


def _duplicate(item: Item | None) -> DomainError:
    stored = None if item is None else codec.from_item(item).get("result")
    return DuplicateRequest(None if stored is None else json.loads(stored))


def _request_op(request: RequestRecord, now: datetime, ttl: timedelta) -> _Op:
    key = keys.request_key(request.request_id)
    item = key.attributes() | codec.to_item(
        {
            codec.KIND: "request",
            "request_id": request.request_id,
            "result": json.dumps(request.result, separators=(",", ":")),
            "created_at": keys.iso(now),
            keys.TTL: int((now + ttl).timestamp()),
        }
    )
    check_size(item, "The request record")
    expression = _Expression()
    condition = _version_condition(expression, None)
    return _Op(key, "Put", {"Item": item}, [condition], expression, _duplicate)


def build(transaction: Transaction, now: datetime, request_ttl: timedelta) -> list[_Op]:
    """The transaction items, in the order request, checks, puts."""
    puts: dict[ItemKey, _Op] = {}
    for put in transaction.puts:
        for op in _put_ops(put):
            if op.key in puts:
                raise ValueError(f"two puts of the same item in one transaction: {op.key}")
            puts[op.key] = op
    checks: list[_Op] = []
    for check in transaction.checks:
        target = puts.get(keys.item_key(check.key))
        if target is not None:
            _merge_check(target, check)
        else:
            checks.append(_check_op(check))
    ops = [*checks, *puts.values()]
    if transaction.request is not None:
        ops.insert(0, _request_op(transaction.request, now, request_ttl))
    if len(ops) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"a transaction of {len(ops)} items; DynamoDB takes at most 100")
    return ops


def commit(context: Context, transaction: Transaction, now: datetime, ttl: timedelta) -> None:
    """Send the transaction; raise the domain error of the first item whose condition failed."""
    ops = build(transaction, now, ttl)
    if not ops:
        return
    items = [op.request_item(context.name(op.key.table)) for op in ops]
    # The token makes a resend after a timeout or throttle idempotent; a cancelled attempt
    # gets a fresh one, since its outcome is already known.
    token = [str(uuid.uuid4())]

    def send() -> None:
        try:
            context.client.transact_write_items(TransactItems=items, ClientRequestToken=token[0])
        except ClientError as error:
            if error_code(error) == CANCELLED:
                token[0] = str(uuid.uuid4())
            raise

    try:
        context.retry.call(send)
    except ClientError as error:
        if error_code(error) != CANCELLED:
            raise
        failure = _failure(ops, cancellation_reasons(error))
        if failure is None:
            raise
        raise failure from None


def _failure(ops: Sequence[_Op], reasons: Sequence[Mapping[str, Any]]) -> DomainError | None:
    """The domain error of the first item whose condition failed, from what it returned.

    Every item asks for `ALL_OLD`, so a failed item's reason carries the item as it is now
    whenever it exists, and carries none only when it does not: no further read is needed
    (nor allowed: the roles grant GetItem only to the functions that read with it).
    """
    for op, reason in zip(ops, reasons, strict=False):
        if reason.get("Code") == CONDITION_FAILED_REASON:
            return op.failure(reason.get("Item"))
    return None
