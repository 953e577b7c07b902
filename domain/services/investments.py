"""Investing, replacing, moving and removing investments, with their compare-and-set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from domain.errors import (
    ClosedForInvestment,
    DomainError,
    InvalidRequest,
    NotFound,
    QuantityConflict,
    StaleWrite,
)
from domain.model import (
    MAX_QUANTITY,
    MIN_QUANTITY,
    Ballot,
    Investment,
    Market,
    MarketInfo,
    MarketType,
)
from domain.services.guards import (
    active_market,
    in_good_standing,
    market_is_active,
    member,
    member_in_good_standing,
    retrying,
    stale,
)
from domain.views import investment_view
from ports.clock import Clock
from ports.repository import (
    Check,
    Entity,
    Key,
    Put,
    Repository,
    RequestRecord,
    Snapshot,
    Transaction,
    ballot_key,
    investment_key,
    market_info_key,
    market_key,
    presence_key,
)


@dataclass(frozen=True, slots=True)
class Stake:
    """What a member asks for when investing."""

    investible_id: str
    quantity: int
    former_quantity: int = 0
    comment_id: str | None = None


def _live(investment: Investment | None) -> int:
    return 0 if investment is None else investment.live_quantity


class InvestmentService:
    """Use cases on members' investments."""

    def __init__(self, repository: Repository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    def invest(self, user_id: str, market_id: str, stake: Stake, request_id: str) -> Investment:
        """Set the caller's live investment in an investible, if `former_quantity` is right.

        Investing again replaces the quantity. In a single-vote decision market the caller's
        live investment in another investible is removed in the same write.
        """
        if not MIN_QUANTITY <= abs(stake.quantity) <= MAX_QUANTITY:
            raise InvalidRequest(
                f"quantity must be between {MIN_QUANTITY} and {MAX_QUANTITY} in size."
            )
        extra: list[Key] = []

        def attempt() -> Investment:
            keys = [
                market_key(market_id),
                presence_key(market_id, user_id),
                market_info_key(market_id, stake.investible_id),
                investment_key(market_id, stake.investible_id, user_id),
                ballot_key(market_id, user_id),
                *extra,
            ]
            snapshot = self._repository.get(keys, request_id)
            market = active_market(snapshot, market_id)
            member(snapshot, market_id, user_id)
            info = _open_info(snapshot, market, stake.investible_id)
            if stake.quantity < 0 and market.market_type is not MarketType.INITIATIVE:
                raise InvalidRequest("Negative quantities are allowed in initiatives only.")
            existing = snapshot.get(
                investment_key(market_id, stake.investible_id, user_id), Investment
            )
            if _live(existing) != stake.former_quantity:
                raise QuantityConflict(_live(existing))

            now = self._clock.now()
            if existing is None:
                investment = Investment(
                    market_id=market_id,
                    investible_id=stake.investible_id,
                    user_id=user_id,
                    quantity=stake.quantity,
                    comment_id=stake.comment_id,
                    deleted=False,
                    created_at=now,
                    updated_at=now,
                )
            else:
                investment = replace(
                    existing,
                    quantity=stake.quantity,
                    comment_id=stake.comment_id,
                    deleted=False,
                    updated_at=now,
                    version=existing.version + 1,
                )

            def on_conflict(stored: Entity | None) -> DomainError:
                current = stored if isinstance(stored, Investment) else None
                if _live(current) != stake.former_quantity:
                    return QuantityConflict(_live(current))
                return StaleWrite("The investment changed.")

            puts = [Put(investment, None if existing is None else existing.version, on_conflict)]
            if market.single_vote:
                puts.extend(_move_vote(snapshot, market, investment, extra))
            self._repository.commit(
                Transaction(
                    puts=puts,
                    checks=[
                        market_is_active(market_id),
                        member_in_good_standing(market_id, user_id),
                        _still_open(info),
                    ],
                    request=RequestRecord(request_id, investment_view(investment)),
                )
            )
            return investment

        return retrying(attempt)

    def remove(
        self, user_id: str, market_id: str, investible_id: str, request_id: str
    ) -> Investment:
        """Soft-delete the caller's live investment in an investible."""

        def attempt() -> Investment:
            snapshot = self._repository.get(
                [
                    market_key(market_id),
                    presence_key(market_id, user_id),
                    investment_key(market_id, investible_id, user_id),
                    ballot_key(market_id, user_id),
                ],
                request_id,
            )
            market = active_market(snapshot, market_id)
            member(snapshot, market_id, user_id)
            existing = snapshot.get(investment_key(market_id, investible_id, user_id), Investment)
            if existing is None or existing.deleted:
                raise NotFound("You hold no live investment in this investible.")

            removed = existing.removed(self._clock.now())

            def on_conflict(stored: Entity | None) -> DomainError:
                if not isinstance(stored, Investment) or stored.deleted:
                    return NotFound("You hold no live investment in this investible.")
                return StaleWrite("The investment changed.")

            puts = [Put(removed, existing.version, on_conflict)]
            ballot = snapshot.get(ballot_key(market_id, user_id), Ballot)
            if market.single_vote and ballot is not None and _holds(ballot, investible_id):
                cleared = replace(ballot, investment=None, version=ballot.version + 1)
                puts.append(Put(cleared, ballot.version, stale))
            self._repository.commit(
                Transaction(
                    puts=puts,
                    checks=[
                        market_is_active(market_id),
                        member_in_good_standing(market_id, user_id),
                    ],
                    request=RequestRecord(request_id, investment_view(removed)),
                )
            )
            return removed

        return retrying(attempt)

    def fetch(
        self,
        user_id: str,
        market_id: str,
        of_user_id: str | None = None,
        asked: Mapping[str, int] | None = None,
    ) -> list[Investment]:
        """Fetch by signature: a member's investments (the caller's by default), deleted too.

        `asked` maps `type_object_id`s to the least version wanted.
        """
        viewer, investments = self._repository.list_investments(
            market_id, user_id, of_user_id or user_id
        )
        in_good_standing(viewer)
        if not asked:
            return investments
        return [
            investment
            for investment in investments
            if investment.version >= asked.get(investment.type_object_id, investment.version + 1)
        ]


def _move_vote(
    snapshot: Snapshot, market: Market, investment: Investment, extra: list[Key]
) -> list[Put]:
    """The puts that keep one live vote per member in a single-vote market.

    The ballot holds a copy of the member's live vote, so moving it needs no search. When
    the copy turns out stale, the next attempt also reads the investment it names.
    """
    ballot = snapshot.get(ballot_key(market.id, investment.user_id), Ballot)
    puts: list[Put] = []
    held = None if ballot is None else ballot.investment
    if held is not None and held.investible_id != investment.investible_id:
        held_key = investment_key(market.id, held.investible_id, held.user_id)
        stored = snapshot.get(held_key, Investment) or held
        if not stored.deleted:

            def on_conflict(_: Entity | None) -> DomainError:
                if held_key not in extra:
                    extra.append(held_key)
                return StaleWrite("The vote being moved changed.")

            puts.append(Put(stored.removed(investment.updated_at), stored.version, on_conflict))
    next_ballot = Ballot(
        market_id=market.id,
        user_id=investment.user_id,
        investment=investment,
        version=1 if ballot is None else ballot.version + 1,
    )
    puts.append(Put(next_ballot, None if ballot is None else ballot.version, stale))
    return puts


def _holds(ballot: Ballot, investible_id: str) -> bool:
    return ballot.investment is not None and ballot.investment.investible_id == investible_id


def _open_info(snapshot: Snapshot, market: Market, investible_id: str) -> MarketInfo:
    info = snapshot.get(market_info_key(market.id, investible_id), MarketInfo)
    if info is None:
        raise NotFound("No such investible in this market.")
    stage = market.stage(info.stage)
    if not info.open_for_investment or stage is None or not stage.allows_investment:
        raise ClosedForInvestment("This investible does not take investment now.")
    return info


def _still_open(info: MarketInfo) -> Check:
    """The write's check that the investible is open and in the stage that was read."""

    def on_failure(current: Entity | None) -> DomainError:
        if not isinstance(current, MarketInfo):
            return NotFound("No such investible in this market.")
        if not current.open_for_investment:
            return ClosedForInvestment("This investible does not take investment now.")
        return StaleWrite("The investible moved to another stage.")

    return Check(
        market_info_key(info.market_id, info.investible_id),
        {"open_for_investment": True, "stage": info.stage},
        on_failure,
    )
