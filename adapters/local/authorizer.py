"""The TOKEN authorizer as API Gateway runs it: invoked with the token and the method ARN,
its answer cached per token for the TTL and checked against every request's method ARN."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from adapters.local.events import authorizer_context, authorizer_event
from adapters.local.functions import FunctionRuntime
from adapters.local.policy import Decision, MalformedPolicy, evaluate
from adapters.local.routing import Authorizer


class Verdict(Enum):
    """What the gateway does with a request after the authorizer."""

    ALLOW = "allow"
    DENY = "deny"  # 403 ACCESS_DENIED
    UNAUTHORIZED = "unauthorized"  # 401
    FAILED = "failed"  # 500 AUTHORIZER_CONFIGURATION_ERROR


@dataclass(frozen=True, slots=True)
class Authorization:
    """The verdict for one request, with what the integration receives when allowed."""

    verdict: Verdict
    context: Mapping[str, Any] | None = None
    api_key: str | None = None
    cached: bool = False


@dataclass(frozen=True, slots=True)
class _Entry:
    answer: Mapping[str, Any]
    context: Mapping[str, Any]
    expires: float


class AuthorizerCache:
    """Authorizer answers per authorizer and token, each kept for its authorizer's TTL."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, authorizer: str, token: str) -> _Entry | None:
        """The live entry for a token, counting a hit or a miss."""
        with self._lock:
            entry = self._entries.get((authorizer, token))
            if entry is not None and entry.expires > self._clock():
                self.hits += 1
                return entry
            self._entries.pop((authorizer, token), None)
            self.misses += 1
            return None

    def put(self, authorizer: str, token: str, entry: _Entry, ttl: float) -> None:
        """Keep an answer for `ttl` seconds (0 keeps nothing)."""
        if ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:  # a bound on memory, not an API Gateway rule
                self._entries.clear()
            self._entries[(authorizer, token)] = _Entry(
                entry.answer, entry.context, self._clock() + ttl
            )

    def flush(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._entries.clear()

    def stats(self) -> dict[str, object]:
        """Entries, hits and misses."""
        with self._lock:
            return {
                "entries": len(self._entries),
                "hits": self.hits,
                "misses": self.misses,
            }


class TokenAuthorizer:
    """Runs one TOKEN authorizer function for the gateway."""

    def __init__(self, runtime: FunctionRuntime, cache: AuthorizerCache) -> None:
        self._runtime = runtime
        self.cache = cache
        self.invocations = 0
        self._lock = threading.Lock()

    def authorize(
        self, authorizer: Authorizer, token: str | None, method_arn: str, request_id: str
    ) -> Authorization:
        """The verdict for a request carrying `token` (the identity source's value)."""
        if not token:
            return Authorization(Verdict.UNAUTHORIZED)
        entry = self.cache.get(authorizer.function, token)
        cached = entry is not None
        if entry is None:
            outcome = self._invoke(authorizer.function, token, method_arn, request_id)
            if isinstance(outcome, Verdict):
                return Authorization(outcome)
            entry = outcome
            self.cache.put(authorizer.function, token, entry, authorizer.ttl_seconds)

        try:
            decision = evaluate(entry.answer["policyDocument"], method_arn)
        except MalformedPolicy:
            return Authorization(Verdict.FAILED)
        if decision is not Decision.ALLOW:
            return Authorization(Verdict.DENY, cached=cached)
        key = entry.answer.get("usageIdentifierKey")
        return Authorization(
            Verdict.ALLOW, entry.context, key if isinstance(key, str) else None, cached
        )

    def _invoke(
        self, function: str, token: str, method_arn: str, request_id: str
    ) -> _Entry | Verdict:
        with self._lock:
            self.invocations += 1
        started = time.perf_counter()
        done = self._runtime.invoke(function, authorizer_event(token, method_arn), request_id)
        latency = int((time.perf_counter() - started) * 1000)
        if done.error is not None:
            unauthorized = str(done.error) == "Unauthorized"
            return Verdict.UNAUTHORIZED if unauthorized else Verdict.FAILED
        if not done.ok or not _well_formed(done.result):
            return Verdict.FAILED
        answer = done.result
        return _Entry(answer, authorizer_context(answer, latency), 0.0)

    def stats(self) -> dict[str, object]:
        """Invocations of the authorizer and the cache's counters."""
        return {"invocations": self.invocations, **self.cache.stats()}


def _well_formed(answer: object) -> bool:
    if not isinstance(answer, Mapping):
        return False
    if not isinstance(answer.get("principalId"), str):
        return False
    if not isinstance(answer.get("policyDocument"), Mapping):
        return False
    context = answer.get("context") or {}
    if not isinstance(context, Mapping):
        return False
    return all(isinstance(v, str | int | float | bool) for v in context.values())
