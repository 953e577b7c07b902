"""Members of a market: reading one's own presence, and banning."""

from __future__ import annotations

from domain.errors import InvalidRequest, NotFound
from domain.model import Presence
from domain.services.guards import (
    admin,
    existing_market,
    member,
    member_in_good_standing,
    retrying,
    stale,
)
from domain.views import presence_view
from ports.repository import (
    Put,
    Repository,
    RequestRecord,
    Transaction,
    market_key,
    presence_key,
)


class UserService:
    """Use cases on presences."""

    def __init__(self, repository: Repository) -> None:
        self._repository = repository

    def presence(self, user_id: str, market_id: str) -> Presence:
        """The caller's own presence in the market."""
        snapshot = self._repository.get([market_key(market_id), presence_key(market_id, user_id)])
        existing_market(snapshot, market_id)
        return member(snapshot, market_id, user_id)

    def ban(
        self, user_id: str, market_id: str, target_id: str, is_banned: bool, request_id: str
    ) -> Presence:
        """Ban or unban a member; admins only, and not themselves. Takes effect at once."""

        def attempt() -> Presence:
            snapshot = self._repository.get(
                [
                    market_key(market_id),
                    presence_key(market_id, user_id),
                    presence_key(market_id, target_id),
                ],
                request_id,
            )
            existing_market(snapshot, market_id)
            admin(snapshot, market_id, user_id)
            if target_id == user_id:
                raise InvalidRequest("An admin cannot ban themselves.")
            target = snapshot.get(presence_key(market_id, target_id), Presence)
            if target is None:
                raise NotFound("No such member in this market.")
            if target.market_banned == is_banned:
                return target

            changed = target.changed(market_banned=is_banned)
            self._repository.commit(
                Transaction(
                    puts=[Put(changed, target.version, stale)],
                    checks=[member_in_good_standing(market_id, user_id, as_admin=True)],
                    request=RequestRecord(request_id, presence_view(changed)),
                )
            )
            return changed

        return retrying(attempt)
