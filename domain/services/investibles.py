"""Creating, reading, editing and moving investibles between stages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.errors import (
    DomainError,
    Forbidden,
    InvalidRequest,
    NotFound,
    StageConflict,
    StaleWrite,
    VersionConflict,
)
from domain.model import Investible, MarketInfo
from domain.services.guards import (
    active_market,
    in_good_standing,
    market_is_active,
    member,
    member_in_good_standing,
    retrying,
    stale,
)
from domain.views import investible_view
from ports.clock import Clock, IdSource
from ports.repository import (
    Entity,
    Key,
    Put,
    Repository,
    RequestRecord,
    Snapshot,
    Transaction,
    investible_key,
    market_info_key,
    market_key,
    presence_key,
)

INVESTIBLE_FIELDS = frozenset({"name", "description"})
MARKET_INFO_FIELDS = frozenset({"open_for_investment"})


@dataclass(frozen=True, slots=True)
class InvestibleInMarket:
    """An investible with its market info, the unit the API returns."""

    investible: Investible
    info: MarketInfo

    def view(self) -> dict[str, object]:
        """The `{investible, market_infos}` answer."""
        return investible_view(self.investible, self.info)


@dataclass(frozen=True, slots=True)
class NewInvestible:
    """What a caller asks for when adding an investible."""

    name: str
    description: str | None = None
    stage_id: str | None = None
    open_for_investment: bool = True


class InvestibleService:
    """Use cases on the investibles of a market."""

    def __init__(self, repository: Repository, clock: Clock, ids: IdSource) -> None:
        self._repository = repository
        self._clock = clock
        self._ids = ids

    def create(
        self, user_id: str, market_id: str, new: NewInvestible, request_id: str
    ) -> InvestibleInMarket:
        """Add an investible to the caller's market, in the given or the first stage."""
        snapshot = self._repository.get(
            [market_key(market_id), presence_key(market_id, user_id)], request_id
        )
        market = active_market(snapshot, market_id)
        member(snapshot, market_id, user_id)
        stage = market.stages[0] if new.stage_id is None else market.stage(new.stage_id)
        if stage is None:
            raise NotFound("No such stage in this market.")

        now = self._clock.now()
        investible = Investible(
            id=self._ids.new_id(),
            market_id=market_id,
            name=new.name,
            description=new.description,
            created_by=user_id,
            created_at=now,
            updated_at=now,
        )
        info = MarketInfo(
            id=self._ids.new_id(),
            market_id=market_id,
            investible_id=investible.id,
            stage=stage.id,
            stage_name=stage.name,
            open_for_investment=new.open_for_investment,
            created_at=now,
            updated_at=now,
        )
        created = InvestibleInMarket(investible, info)
        self._repository.commit(
            Transaction(
                puts=[Put(investible, None, stale), Put(info, None, stale)],
                checks=[market_is_active(market_id), member_in_good_standing(market_id, user_id)],
                request=RequestRecord(request_id, created.view()),
            )
        )
        return created

    def get(self, user_id: str, market_id: str, investible_id: str) -> InvestibleInMarket:
        """One investible of the caller's market."""
        snapshot = self._repository.get(self._keys(market_id, user_id, investible_id))
        member(snapshot, market_id, user_id)
        return _found(snapshot, market_id, investible_id)

    def fetch(
        self,
        user_id: str,
        market_id: str,
        asked: Sequence[tuple[str, int, Mapping[str, int]]] | None = None,
    ) -> list[InvestibleInMarket]:
        """Fetch by signature: investibles (and infos) at least as new as asked; else all.

        Each asked entry is an investible id, its version, and its infos' ids and versions.
        """
        viewer, pairs = self._repository.list_investibles(market_id, user_id)
        in_good_standing(viewer)
        found = [InvestibleInMarket(investible, info) for investible, info in pairs]
        if not asked:
            return found
        by_id = {entry.investible.id: entry for entry in found}
        chosen = []
        for investible_id, version, infos in asked:
            entry = by_id.get(investible_id)
            if entry is None or entry.investible.version < version:
                continue
            wanted = infos.get(entry.info.id)
            if wanted is not None and entry.info.version < wanted:
                continue
            chosen.append(entry)
        return chosen

    def update(
        self,
        user_id: str,
        market_id: str,
        investible_id: str,
        changes: Mapping[str, object],
        request_id: str,
        expected_version: int | None = None,
    ) -> InvestibleInMarket:
        """Edit an investible's name, description or openness; its creator or an admin."""
        unknown = set(changes) - INVESTIBLE_FIELDS - MARKET_INFO_FIELDS
        if not changes or unknown:
            raise InvalidRequest("Name at least one investible field to change.")

        def attempt() -> InvestibleInMarket:
            snapshot = self._repository.get(
                self._keys(market_id, user_id, investible_id), request_id
            )
            active_market(snapshot, market_id)
            presence = member(snapshot, market_id, user_id)
            current = _found(snapshot, market_id, investible_id)
            if current.investible.created_by != user_id and not presence.is_admin:
                raise Forbidden("Only the creator or an admin may edit an investible.")
            if expected_version is not None and current.investible.version != expected_version:
                raise VersionConflict(current.investible.version)

            now = self._clock.now()
            investible, info = current.investible, current.info
            puts = []
            own = {k: v for k, v in changes.items() if k in INVESTIBLE_FIELDS}
            if own:
                investible = investible.changed(now, **own)

                def on_conflict(stored: Entity | None) -> DomainError:
                    if expected_version is not None and isinstance(stored, Investible):
                        return VersionConflict(stored.version)
                    return StaleWrite("The investible changed.")

                puts.append(Put(investible, current.investible.version, on_conflict))
            of_info = {k: v for k, v in changes.items() if k in MARKET_INFO_FIELDS}
            if of_info:
                info = info.changed(now, **of_info)
                puts.append(Put(info, current.info.version, stale))
            updated = InvestibleInMarket(investible, info)
            self._repository.commit(
                Transaction(
                    puts=puts,
                    checks=[
                        market_is_active(market_id),
                        member_in_good_standing(market_id, user_id),
                    ],
                    request=RequestRecord(request_id, updated.view()),
                )
            )
            return updated

        return retrying(attempt)

    def move(
        self,
        user_id: str,
        market_id: str,
        investible_id: str,
        current_stage_id: str,
        stage_id: str,
        request_id: str,
    ) -> InvestibleInMarket:
        """Move an investible to another stage, if it is still in `current_stage_id`."""

        def attempt() -> InvestibleInMarket:
            snapshot = self._repository.get(
                self._keys(market_id, user_id, investible_id), request_id
            )
            market = active_market(snapshot, market_id)
            member(snapshot, market_id, user_id)
            current = _found(snapshot, market_id, investible_id)
            target = market.stage(stage_id)
            if target is None:
                raise NotFound("No such stage in this market.")
            if current.info.stage != current_stage_id:
                raise StageConflict(current.info.stage)

            info = current.info.changed(self._clock.now(), stage=target.id, stage_name=target.name)

            def on_conflict(stored: Entity | None) -> DomainError:
                if isinstance(stored, MarketInfo) and stored.stage != current_stage_id:
                    return StageConflict(stored.stage)
                return StaleWrite("The market info changed.")

            moved = InvestibleInMarket(current.investible, info)
            self._repository.commit(
                Transaction(
                    puts=[Put(info, current.info.version, on_conflict)],
                    checks=[
                        market_is_active(market_id),
                        member_in_good_standing(market_id, user_id),
                    ],
                    request=RequestRecord(request_id, moved.view()),
                )
            )
            return moved

        return retrying(attempt)

    @staticmethod
    def _keys(market_id: str, user_id: str, investible_id: str) -> list[Key]:
        return [
            market_key(market_id),
            presence_key(market_id, user_id),
            investible_key(market_id, investible_id),
            market_info_key(market_id, investible_id),
        ]


def _found(snapshot: Snapshot, market_id: str, investible_id: str) -> InvestibleInMarket:
    investible = snapshot.get(investible_key(market_id, investible_id), Investible)
    info = snapshot.get(market_info_key(market_id, investible_id), MarketInfo)
    if investible is None or info is None:
        raise NotFound("No such investible in this market.")
    return InvestibleInMarket(investible, info)
