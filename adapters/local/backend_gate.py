"""One gate in front of every botocore call of this process, standing in for moto's stubber.

It serialises the calls that the embedded moto backend answers (moto's backends are not
safe across threads, and a conditional write or a transaction must be atomic), and it
injects local-only faults: DynamoDB throttling at a chosen rate.
"""

from __future__ import annotations

import io
import json
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS

DATA_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
_TARGET_PREFIX = "DynamoDB_20120810."


class _Body(io.BytesIO):
    """A raw body botocore can read as a stream."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        """The body, in chunks, as botocore reads it."""
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


class BackendGate:
    """The `before-send` handler: faults first, then moto under one lock."""

    stubber: Callable[..., Any] | None

    def __init__(self, stubber: Callable[..., Any] | None) -> None:
        self.lock = threading.RLock()
        self.dynamodb_throttle_rate = 0.0
        self.throttled = 0
        self.stubber = stubber
        self._random = random.Random()

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        operation = _dynamodb_operation(request)
        if operation in DATA_OPERATIONS and self._should_throttle():
            return _throttled(request.url, operation)
        if self.stubber is None or not getattr(self.stubber, "enabled", False):
            return None
        with self.lock:
            answer: AWSResponse | None = self.stubber(request=request, **kwargs)
            return answer

    def _should_throttle(self) -> bool:
        rate = self.dynamodb_throttle_rate
        if rate <= 0 or self._random.random() >= rate:
            return False
        with self.lock:
            self.throttled += 1
        return True


def install(stubber: Callable[..., Any] | None) -> BackendGate:
    """Register a gate for every botocore session made from now on, in place of `stubber`.

    In place of, not ahead of: botocore emits `before-send` to every handler and keeps the
    first answer, so a stubber left registered would run each call a second time, unlocked.
    """
    gate = BackendGate(stubber)
    for index, entry in enumerate(BUILTIN_HANDLERS):
        if stubber is not None and entry[1] is stubber:
            BUILTIN_HANDLERS[index] = (entry[0], gate, *entry[2:])
            break
    else:
        BUILTIN_HANDLERS.append(("before-send", gate))
    return gate


def uninstall(gate: BackendGate) -> None:
    """Stop registering `gate` in new sessions (the stubber it stood for comes back)."""
    for index, entry in enumerate(BUILTIN_HANDLERS):
        if entry[1] is gate:
            if gate.stubber is None:
                del BUILTIN_HANDLERS[index]
            else:
                BUILTIN_HANDLERS[index] = (entry[0], gate.stubber, *entry[2:])
            return


def _dynamodb_operation(request: Any) -> str | None:
    target = request.headers.get("X-Amz-Target")
    if isinstance(target, bytes):
        target = target.decode("ascii", "replace")
    if not isinstance(target, str) or not target.startswith(_TARGET_PREFIX):
        return None
    return target[len(_TARGET_PREFIX) :]


def _throttled(url: str, operation: str) -> AWSResponse:
    body = json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "message": f"{operation} throttled by a local fault.",
        }
    ).encode("utf-8")
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "x-amzn-RequestId": str(uuid.uuid4()),
        "Content-Length": str(len(body)),
    }
    return AWSResponse(url, 400, headers, _Body(body))
