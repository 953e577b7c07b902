"""Changes to stored objects, as the tables' change streams report them."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import (
    Account,
    Ballot,
    Investible,
    Investment,
    Market,
    MarketInfo,
    Presence,
    User,
)

Stored = Market | Investible | MarketInfo | Presence | Investment | Ballot | User | Account


@dataclass(frozen=True, slots=True)
class Change:
    """One object's change: its image before and after (None when created or removed).

    `sequence` orders changes within a stream shard and names the record to retry.
    """

    sequence: str
    old: Stored | None
    new: Stored | None

    @property
    def current(self) -> Stored | None:
        """The image after the change, else the one before it."""
        return self.new if self.new is not None else self.old
