"""One in-memory store behind every repository port.

It keeps the promises the DynamoDB adapter keeps: a transaction's puts and checks hold
or fail together under one lock, a put replaces only the version it names, a request id
is applied once, and every change is recorded in order, as a table's stream would, so
the stream consumer can be fed from it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from enum import Enum

from domain.errors import DuplicateRequest, StaleWrite
from domain.events import Change
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
from ports.repository import (
    Entity,
    Key,
    Kind,
    Snapshot,
    Transaction,
    key_of,
    market_info_key,
)

PAGE_SIZE = 25


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


class MemoryStore:
    """Markets, users, derived summaries and a change log, all in process memory."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._objects: dict[Key, Entity] = {}
        self._requests: dict[str, object] = {}
        self._tallies: dict[Key, Tally] = {}
        self._signatures: dict[str, Signatures] = {}
        self._memberships: dict[tuple[str, str], Membership] = {}
        self._changes: list[Change] = []
        self.calls = 0

    # Repository

    def get(self, keys: Iterable[Key], request_id: str | None = None) -> Snapshot:
        """The objects under `keys`; refuses a request id already applied."""
        with self._lock:
            self.calls += 1
            if request_id is not None and request_id in self._requests:
                raise DuplicateRequest(self._requests[request_id])
            return Snapshot({key: self._objects[key] for key in keys if key in self._objects})

    def list_investibles(
        self, market_id: str, viewer_id: str
    ) -> tuple[Presence | None, list[tuple[Investible, MarketInfo]]]:
        """Every investible of a market with its info, and the viewer's presence."""
        with self._lock:
            self.calls += 1
            pairs = []
            for key, obj in self._objects.items():
                if key.market_id == market_id and isinstance(obj, Investible):
                    info = self._objects.get(market_info_key(market_id, obj.id))
                    if isinstance(info, MarketInfo):
                        pairs.append((obj, info))
            return self._viewer(market_id, viewer_id), pairs

    def list_presences(self, market_id: str) -> list[Presence]:
        """Every presence of a market."""
        with self._lock:
            self.calls += 1
            return [
                obj
                for key, obj in self._objects.items()
                if key.market_id == market_id and isinstance(obj, Presence)
            ]

    def list_investments(
        self, market_id: str, viewer_id: str, user_id: str
    ) -> tuple[Presence | None, list[Investment]]:
        """Every investment of a member in a market, deleted ones included."""
        with self._lock:
            self.calls += 1
            found = [
                obj
                for key, obj in self._objects.items()
                if key.market_id == market_id
                and isinstance(obj, Investment)
                and obj.user_id == user_id
            ]
            return self._viewer(market_id, viewer_id), found

    def commit(self, transaction: Transaction) -> None:
        """Apply every put and check together, or raise the first failure's error."""
        with self._lock:
            self.calls += 1
            request = transaction.request
            if request is not None and request.request_id in self._requests:
                raise DuplicateRequest(self._requests[request.request_id])
            for check in transaction.checks:
                current = self._objects.get(check.key)
                if current is None or any(
                    _plain(getattr(current, name, None)) != _plain(value)
                    for name, value in check.expected.items()
                ):
                    raise check.on_failure(current)
            for put in transaction.puts:
                current = self._objects.get(key_of(put.entity))
                stored_version = None if current is None else current.version
                if stored_version != put.expected_version:
                    raise put.on_conflict(current)
            for put in transaction.puts:
                self._store(put.entity)
            if request is not None:
                self._requests[request.request_id] = request.result

    def _viewer(self, market_id: str, viewer_id: str) -> Presence | None:
        presence = self._objects.get(Key(Kind.PRESENCE, market_id, viewer_id))
        return presence if isinstance(presence, Presence) else None

    def _store(self, entity: Entity) -> None:
        key = key_of(entity)
        old = self._objects.get(key)
        self._objects[key] = entity
        if key.kind is Kind.MARKET_INFO and key not in self._tallies:
            self._tallies[key] = Tally(key.market_id, key.object_id)
        self._changes.append(Change(f"{len(self._changes) + 1:021d}", old, entity))

    # ExpiryRepository

    def market_pages(self) -> Iterator[Sequence[Market]]:
        """Every market, a page at a time."""
        with self._lock:
            markets = [obj for obj in self._objects.values() if isinstance(obj, Market)]
        for start in range(0, len(markets), PAGE_SIZE):
            yield markets[start : start + PAGE_SIZE]

    def live_investments_before(self, market_id: str, before: datetime) -> list[Investment]:
        """Live investments of a market last updated before `before`."""
        with self._lock:
            return [
                obj
                for key, obj in self._objects.items()
                if key.market_id == market_id
                and isinstance(obj, Investment)
                and not obj.deleted
                and obj.updated_at < before
            ]

    # SummaryRepository

    def memberships(self, user_id: str) -> list[Membership]:
        """The markets a user belongs to."""
        with self._lock:
            self.calls += 1
            return [m for (uid, _), m in sorted(self._memberships.items()) if uid == user_id]

    def signatures(self, market_ids: Sequence[str], member_id: str) -> list[Signatures]:
        """The signatures of the listed markets `member_id` belongs to."""
        with self._lock:
            self.calls += 1
            return [
                self._signatures.get(market_id, Signatures(market_id)).copy()
                for market_id in market_ids
                if Key(Kind.PRESENCE, market_id, member_id) in self._objects
            ]

    def load_tallies(self, info_keys: Iterable[Key]) -> dict[Key, tuple[MarketInfo, Tally]]:
        """Market infos with their tallies."""
        with self._lock:
            loaded = {}
            for key in info_keys:
                info = self._objects.get(key)
                if isinstance(info, MarketInfo):
                    tally = self._tallies.get(key, Tally(key.market_id, key.object_id))
                    loaded[key] = (info, replace(tally, holdings=dict(tally.holdings)))
            return loaded

    def save_tally(self, info: MarketInfo, tally: Tally, expected_version: int) -> None:
        """Store a tally and the info's totals if the info is still `expected_version`."""
        with self._lock:
            key = key_of(info)
            current = self._objects.get(key)
            if current is None or current.version != expected_version:
                raise StaleWrite("The market info changed.")
            self._tallies[key] = replace(tally, holdings=dict(tally.holdings))
            if info != current:
                self._store(info)

    def load_signatures(self, market_ids: Iterable[str]) -> dict[str, Signatures]:
        """The signatures of each market."""
        with self._lock:
            return {m: self._signatures.get(m, Signatures(m)).copy() for m in market_ids}

    def save_signatures(self, signatures: Signatures, expected_version: int) -> None:
        """Store signatures if their version is still `expected_version`."""
        with self._lock:
            current = self._signatures.get(signatures.market_id)
            if (0 if current is None else current.version) != expected_version:
                raise StaleWrite("The signatures changed.")
            self._signatures[signatures.market_id] = signatures.copy()

    def save_memberships(self, memberships: Sequence[Membership]) -> None:
        """Store memberships unless newer ones are stored."""
        with self._lock:
            for membership in memberships:
                line = (membership.user_id, membership.market_id)
                stored = self._memberships.get(line)
                if stored is None or stored.version <= membership.version:
                    self._memberships[line] = membership

    # The change log

    def changes(self, after: int = 0) -> list[Change]:
        """The changes recorded after the first `after`, oldest first."""
        with self._lock:
            return list(self._changes[after:])

    def objects(self) -> list[Entity]:
        """Every stored object (for tests and inspection)."""
        with self._lock:
            return list(self._objects.values())
