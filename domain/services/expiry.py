"""The scheduled expiry of investments left unchanged longer than their market allows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from domain.errors import Conflict, DomainError, StaleWrite
from domain.model import Ballot, Investment, Market
from domain.services.guards import stale
from ports.clock import Clock
from ports.repository import (
    Entity,
    ExpiryRepository,
    Put,
    Repository,
    Transaction,
    ballot_key,
)


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    """What one run did: markets looked at, investments expired, and ones left for next time."""

    markets: int = 0
    expired: int = 0
    skipped: int = 0


def _skip(_: Entity | None) -> DomainError:
    return StaleWrite("The investment changed since it was read.")


class ExpiryService:
    """Soft-deletes live investments whose `updated_at` is older than the market allows."""

    def __init__(self, repository: Repository, expiry: ExpiryRepository, clock: Clock) -> None:
        self._repository = repository
        self._expiry = expiry
        self._clock = clock

    def run(self) -> ExpiryReport:
        """Expire what is due in every market, a page at a time. Safe to run twice."""
        now = self._clock.now()
        markets = expired = skipped = 0
        for page in self._expiry.market_pages():
            for market in page:
                markets += 1
                cutoff = now - timedelta(days=market.investment_expiration)
                for investment in self._expiry.live_investments_before(market.id, cutoff):
                    if self._expire(market, investment):
                        expired += 1
                    else:
                        skipped += 1
        return ExpiryReport(markets, expired, skipped)

    def _expire(self, market: Market, investment: Investment) -> bool:
        now = self._clock.now()
        puts = [Put(investment.removed(now), investment.version, _skip)]
        if market.single_vote:
            key = ballot_key(market.id, investment.user_id)
            ballot = self._repository.get([key]).get(key, Ballot)
            held = None if ballot is None else ballot.investment
            if (
                ballot is not None
                and held is not None
                and (held.investible_id == investment.investible_id)
            ):
                cleared = replace(ballot, investment=None, version=ballot.version + 1)
                puts.append(Put(cleared, ballot.version, stale))
        try:
            self._repository.commit(Transaction(puts=puts))
        except (StaleWrite, Conflict):
            # Changed since it was listed: it is no longer stale, or the next run sees it.
            return False
        return True
