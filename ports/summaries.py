"""The port of the summaries the stream consumer keeps and the summary routes read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from domain.model import MarketInfo, Membership, Signatures, Tally
from ports.repository import Key


class SummaryRepository(Protocol):
    """Tallies, signatures and memberships: derived state, written only by the consumer."""

    def memberships(self, user_id: str) -> list[Membership]:
        """The markets a user belongs to, as of the last change the consumer applied."""
        ...

    def signatures(self, market_ids: Sequence[str], member_id: str) -> list[Signatures]:
        """The signatures of those of `market_ids` that `member_id` belongs to, in one read."""
        ...

    def load_tallies(self, info_keys: Iterable[Key]) -> dict[Key, tuple[MarketInfo, Tally]]:
        """The market infos under `info_keys` with their tallies; absent infos are left out."""
        ...

    def save_tally(self, info: MarketInfo, tally: Tally, expected_version: int) -> None:
        """Store the tally and the info's totals if the info is still `expected_version`.

        `info.version` is the version to store. Raises `StaleWrite` when the info changed.
        """
        ...

    def load_signatures(self, market_ids: Iterable[str]) -> dict[str, Signatures]:
        """The signatures of each market; a market with none yet gets an empty one."""
        ...

    def save_signatures(self, signatures: Signatures, expected_version: int) -> None:
        """Store signatures if their stored version is still `expected_version`.

        `signatures.version` is the version to store. Raises `StaleWrite` otherwise.
        """
        ...

    def save_memberships(self, memberships: Sequence[Membership]) -> None:
        """Store each membership unless one of a newer presence version is stored."""
        ...
