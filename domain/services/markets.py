"""Creating, reading and changing markets, and listing their stages and members."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import DomainError, InvalidRequest, NotAMember, StaleWrite, VersionConflict
from domain.model import (
    DEFAULT_INVESTMENT_EXPIRATION_DAYS,
    MAX_INVESTMENT_EXPIRATION_DAYS,
    MIN_INVESTMENT_EXPIRATION_DAYS,
    Market,
    MarketStage,
    MarketType,
    Presence,
    Stage,
    User,
)
from domain.services.guards import (
    admin,
    existing_market,
    in_good_standing,
    member,
    member_in_good_standing,
    retrying,
    select_versions,
    stale,
)
from domain.stages import default_stages
from domain.views import market_view, presence_view, stage_view
from ports.clock import Clock, IdSource
from ports.repository import (
    Entity,
    Put,
    Repository,
    RequestRecord,
    Transaction,
    market_key,
    presence_key,
    user_key,
)
from ports.tokens import Capability, CapabilityTokens, TokenType

MARKET_FIELDS = frozenset(
    {"name", "description", "investment_expiration", "allow_multi_vote", "market_stage"}
)


@dataclass(frozen=True, slots=True)
class NewMarket:
    """What a caller asks for when creating a market."""

    market_type: MarketType
    name: str
    description: str | None = None
    investment_expiration: int = DEFAULT_INVESTMENT_EXPIRATION_DAYS
    allow_multi_vote: bool = False


@dataclass(frozen=True, slots=True)
class CreatedMarket:
    """A new market, its stages, its creator's presence and the creator's market token."""

    market: Market
    presence: Presence
    token: str

    def view(self) -> dict[str, object]:
        """The answer of `POST /create`."""
        return {
            "market": market_view(self.market),
            "stages": [stage_view(stage) for stage in self.market.stages],
            "presence": presence_view(self.presence),
            "token": self.token,
        }


class MarketService:
    """Use cases on a market as a whole."""

    def __init__(
        self, repository: Repository, tokens: CapabilityTokens, clock: Clock, ids: IdSource
    ) -> None:
        self._repository = repository
        self._tokens = tokens
        self._clock = clock
        self._ids = ids

    def create(
        self, user_id: str, account_id: str, new: NewMarket, request_id: str
    ) -> CreatedMarket:
        """Create a market in the caller's account; the caller becomes its admin."""
        _check_expiration(new.investment_expiration)
        snapshot = self._repository.get([user_key(user_id)], request_id)
        user = snapshot.get(user_key(user_id), User)
        if user is None:
            raise NotAMember("Sign in before creating a market.")

        now = self._clock.now()
        market_id = self._ids.new_id()
        invite = self._tokens.issue(
            Capability(
                user_id=user_id,
                token_type=TokenType.MARKET_INVITE,
                account_id=account_id,
                market_id=market_id,
            )
        )
        market = Market(
            id=market_id,
            name=new.name,
            description=new.description,
            market_type=new.market_type,
            market_stage=MarketStage.ACTIVE,
            account_id=account_id,
            created_by=user_id,
            investment_expiration=new.investment_expiration,
            allow_multi_vote=new.allow_multi_vote,
            invite_capability=invite,
            stages=default_stages(new.market_type, market_id, self._ids.new_id),
            created_at=now,
            updated_at=now,
        )
        presence = Presence(
            id=user_id,
            market_id=market_id,
            account_id=account_id,
            name=user.name,
            email=user.email,
            is_admin=True,
        )
        token = self._tokens.issue(
            Capability(
                user_id=user_id,
                token_type=TokenType.MARKET,
                account_id=account_id,
                market_id=market_id,
                is_admin=True,
            )
        )
        created = CreatedMarket(market, presence, token)
        self._repository.commit(
            Transaction(
                puts=[Put(market, None, stale), Put(presence, None, stale)],
                request=RequestRecord(request_id, created.view()),
            )
        )
        return created

    def get(self, user_id: str, market_id: str) -> Market:
        """The caller's market."""
        snapshot = self._repository.get([market_key(market_id), presence_key(market_id, user_id)])
        market = existing_market(snapshot, market_id)
        member(snapshot, market_id, user_id)
        return market

    def update(
        self,
        user_id: str,
        market_id: str,
        changes: Mapping[str, object],
        request_id: str,
        expected_version: int | None = None,
    ) -> Market:
        """Change a market's settings; admins only. An inactive market may be reactivated."""
        unknown = set(changes) - MARKET_FIELDS
        if not changes or unknown:
            raise InvalidRequest("Name at least one market field to change.")

        def attempt() -> Market:
            snapshot = self._repository.get(
                [market_key(market_id), presence_key(market_id, user_id)], request_id
            )
            market = existing_market(snapshot, market_id)
            admin(snapshot, market_id, user_id)
            if expected_version is not None and market.version != expected_version:
                raise VersionConflict(market.version)

            fields = _checked_changes(market, changes)
            updated = market.changed(self._clock.now(), **fields)

            def on_conflict(current: Entity | None) -> DomainError:
                if expected_version is not None and isinstance(current, Market):
                    return VersionConflict(current.version)
                return StaleWrite("The market changed.")

            self._repository.commit(
                Transaction(
                    puts=[Put(updated, market.version, on_conflict)],
                    checks=[member_in_good_standing(market_id, user_id, as_admin=True)],
                    request=RequestRecord(request_id, market_view(updated)),
                )
            )
            return updated

        return retrying(attempt)

    def stages(
        self, user_id: str, market_id: str, asked: Mapping[str, int] | None = None
    ) -> list[Stage]:
        """The market's stages, or those asked for at a version at least as new."""
        market = self.get(user_id, market_id)
        return select_versions(market.stages, asked, lambda s: s.id, lambda s: s.version)

    def presences(
        self, user_id: str, market_id: str, asked: Mapping[str, int] | None = None
    ) -> list[Presence]:
        """The market's members, or those asked for at a version at least as new."""
        presences = self._repository.list_presences(market_id)
        in_good_standing(next((p for p in presences if p.id == user_id), None))
        return select_versions(presences, asked, lambda p: p.id, lambda p: p.version)


def _check_expiration(days: object) -> None:
    if not isinstance(days, int) or not (
        MIN_INVESTMENT_EXPIRATION_DAYS <= days <= MAX_INVESTMENT_EXPIRATION_DAYS
    ):
        raise InvalidRequest(
            f"investment_expiration must be {MIN_INVESTMENT_EXPIRATION_DAYS} to "
            f"{MAX_INVESTMENT_EXPIRATION_DAYS} days."
        )


def _checked_changes(market: Market, changes: Mapping[str, object]) -> dict[str, object]:
    """The changes as field values, refusing those the rules do not allow."""
    fields = dict(changes)
    if "investment_expiration" in fields:
        _check_expiration(fields["investment_expiration"])
    if "market_stage" in fields:
        try:
            fields["market_stage"] = MarketStage(str(fields["market_stage"]))
        except ValueError:
            raise InvalidRequest("market_stage must be Active or Inactive.") from None
    if market.allow_multi_vote and fields.get("allow_multi_vote") is False:
        # Members may hold several live votes by now; one ballot cannot say which to keep.
        raise InvalidRequest("allow_multi_vote cannot be turned off once it is on.")
    return fields
