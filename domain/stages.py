"""The stages a new market starts with, by market type."""

from __future__ import annotations

from collections.abc import Callable

from domain.model import MarketType, Stage

DEFAULT_STAGES: dict[MarketType, tuple[tuple[str, bool], ...]] = {
    MarketType.PLANNING: (
        ("Approvable", True),
        ("Doable", False),
        ("Blocked", False),
        ("Backlog", False),
    ),
    MarketType.DECISION: (("Approvable", True), ("Proposed", False)),
    MarketType.INITIATIVE: (("Approvable", True),),
}


def default_stages(
    market_type: MarketType, market_id: str, new_id: Callable[[], str]
) -> tuple[Stage, ...]:
    """The stages of a new market of `market_type`; new investibles start in the first."""
    return tuple(
        Stage(id=new_id(), market_id=market_id, name=name, allows_investment=allows)
        for name, allows in DEFAULT_STAGES[market_type]
    )
