"""What the stream consumer keeps: totals per investible, signatures, member summaries.

Every piece is derived from object versions, so applying a change twice, or a batch again
after a partial failure, leaves the same state: a change older than what is already
applied is ignored. A batch touches each derived item once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial

from domain.errors import StaleWrite, TemporarilyUnavailable
from domain.events import Change, Stored
from domain.model import (
    Investible,
    Investment,
    Market,
    MarketInfo,
    Membership,
    ObjectVersion,
    Presence,
    Signatures,
    Tally,
)
from ports.repository import (
    Key,
    Repository,
    Snapshot,
    market_info_key,
    market_key,
    presence_key,
)
from ports.summaries import SummaryRepository

SAVE_ATTEMPTS = 3

LoadedTally = tuple[MarketInfo, Tally]


def signature_entries(obj: Stored) -> list[tuple[str, ObjectVersion]]:
    """The signature lines an object contributes to its market's signatures."""
    match obj:
        case Market():
            return [("market", ObjectVersion(obj.id, obj.version))] + [
                ("stage", ObjectVersion(stage.id, stage.version)) for stage in obj.stages
            ]
        case Investible():
            return [("investible", ObjectVersion(obj.id, obj.version))]
        case MarketInfo():
            return [("market_investible", ObjectVersion(obj.id, obj.version, obj.investible_id))]
        case Presence():
            return [("market_capability", ObjectVersion(obj.id, obj.version))]
        case Investment():
            return [("investment", ObjectVersion(obj.investible_id, obj.version, obj.user_id))]
    return []


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The sequence numbers of the changes that could not be applied and must come again."""

    failed: tuple[str, ...] = ()


class SummaryService:
    """Applies a batch of changes to the derived state, and reads it for the summary routes."""

    def __init__(self, summaries: SummaryRepository, repository: Repository) -> None:
        self._summaries = summaries
        self._repository = repository

    def memberships(self, user_id: str) -> list[Membership]:
        """The markets a user belongs to."""
        return self._summaries.memberships(user_id)

    def signatures(self, user_id: str, market_ids: Sequence[str]) -> list[Signatures]:
        """The signatures of the listed markets the user belongs to."""
        return self._summaries.signatures(list(dict.fromkeys(market_ids)), user_id)

    def apply(self, changes: Sequence[Change]) -> BatchResult:
        """Apply a batch; what fails is reported by sequence number, the rest is kept."""
        failed: set[str] = set()
        for step in (self._apply_tallies, self._apply_signatures, self._apply_memberships):
            failed.update(step(changes))
        return BatchResult(tuple(c.sequence for c in changes if c.sequence in failed))

    def _apply_tallies(self, changes: Sequence[Change]) -> set[str]:
        by_info: dict[Key, list[Change]] = defaultdict(list)
        for change in changes:
            if isinstance(change.new, Investment):
                investment = change.new
                by_info[market_info_key(investment.market_id, investment.investible_id)].append(
                    change
                )
        if not by_info:
            return set()
        try:
            loaded = self._summaries.load_tallies(list(by_info))
        except TemporarilyUnavailable:
            return {change.sequence for group in by_info.values() for change in group}
        failed: set[str] = set()
        for key, group in by_info.items():
            loads = self._tally_loads(key, loaded.get(key))
            if not _saved(partial(self._save_tally, group, loads)):
                failed.update(change.sequence for change in group)
        return failed

    def _tally_loads(self, key: Key, first: LoadedTally | None) -> Iterator[LoadedTally | None]:
        """What each attempt at one tally starts from: what the batch loaded, then, after a
        conflict, that one tally read again."""
        yield first
        while True:
            yield self._summaries.load_tallies([key]).get(key)

    def _save_tally(self, group: list[Change], loads: Iterator[LoadedTally | None]) -> None:
        loaded = next(loads)
        if loaded is None:
            return
        info, tally = loaded
        changed = False
        for change in group:
            assert isinstance(change.new, Investment)
            changed = tally.apply(change.new) or changed
        if not changed:
            return
        totals_moved = (tally.count, tally.total) != (info.investment_count, info.investment_total)
        updated = replace(
            info,
            investment_count=tally.count,
            investment_total=tally.total,
            version=info.version + 1 if totals_moved else info.version,
        )
        self._summaries.save_tally(updated, tally, info.version)

    def _apply_signatures(self, changes: Sequence[Change]) -> set[str]:
        by_market: dict[str, list[Change]] = defaultdict(list)
        for change in changes:
            if change.new is not None and signature_entries(change.new):
                by_market[_market_of(change.new)].append(change)
        failed: set[str] = set()
        for market_id, group in by_market.items():
            if not _saved(partial(self._save_signatures, market_id, group)):
                failed.update(change.sequence for change in group)
        return failed

    def _save_signatures(self, market_id: str, group: list[Change]) -> None:
        signatures = self._summaries.load_signatures([market_id])[market_id]
        expected = signatures.version
        changed = False
        for change in group:
            assert change.new is not None
            for kind, entry in signature_entries(change.new):
                changed = signatures.record(kind, entry) or changed
        if changed:
            signatures.version = expected + 1
            self._summaries.save_signatures(signatures, expected)

    def _apply_memberships(self, changes: Sequence[Change]) -> set[str]:
        presences: dict[Key, tuple[Presence, str]] = {}
        reactivated: dict[str, str] = {}
        for change in changes:
            if isinstance(change.new, Presence):
                presence = change.new
                presences[presence_key(presence.market_id, presence.id)] = (
                    presence,
                    change.sequence,
                )
            elif isinstance(change.new, Market) and (
                not isinstance(change.old, Market)
                or change.old.market_stage != change.new.market_stage
            ):
                reactivated[change.new.id] = change.sequence
        if not presences and not reactivated:
            return set()
        market_ids = {p.market_id for p, _ in presences.values()} | set(reactivated)
        try:
            snapshot = self._repository.get([market_key(m) for m in market_ids])
            lines: dict[tuple[str, str], Membership] = {}
            for market_id in reactivated:
                for presence in self._repository.list_presences(market_id):
                    lines[(presence.id, market_id)] = _membership(snapshot, presence)
            for presence, _ in presences.values():
                lines[(presence.id, presence.market_id)] = _membership(snapshot, presence)
            self._summaries.save_memberships(list(lines.values()))
        except TemporarilyUnavailable:
            return {s for _, s in presences.values()} | set(reactivated.values())
        return set()


def _membership(snapshot: Snapshot, presence: Presence) -> Membership:
    market = snapshot.get(market_key(presence.market_id), Market)
    return Membership(
        user_id=presence.id,
        market_id=presence.market_id,
        active=market is not None and market.is_active,
        banned=presence.market_banned,
        version=presence.version,
    )


def _market_of(obj: Stored) -> str:
    return obj.id if isinstance(obj, Market) else getattr(obj, "market_id", "")


def _saved(save: Callable[[], None], attempts: int = SAVE_ATTEMPTS) -> bool:
    for _ in range(attempts):
        try:
            save()
            return True
        except StaleWrite:
            continue
        except TemporarilyUnavailable:
            return False
    return False
