"""Signing in: exchanging a verified identity for capability tokens."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import Gone, MarketInactive, NotAMember, NotFound, WrongTokenType
from domain.identity import personal_account_id, user_id_for
from domain.model import Account, Market, Presence, User
from domain.services.guards import market_is_active, retrying, stale
from domain.views import account_view, market_view, stage_view, user_view
from ports.clock import Clock
from ports.repository import (
    Put,
    Repository,
    RequestRecord,
    Snapshot,
    Transaction,
    account_key,
    market_key,
    presence_key,
    user_key,
)
from ports.tokens import Capability, CapabilityTokens, Identity, TokenType


@dataclass(frozen=True, slots=True)
class AccountLogin:
    """The answer of a plain sign-in: an account token, the account and the user."""

    token: str
    account: Account
    user: User

    def view(self) -> dict[str, object]:
        """The JSON answer."""
        return {
            "uclusion_token": self.token,
            "account": account_view(self.account),
            "user": user_view(self.user),
        }


@dataclass(frozen=True, slots=True)
class MarketLogin:
    """The answer of a sign-in to a market: a market token and who signed in."""

    token: str
    market: Market
    user: User
    joined: bool

    def view(self) -> dict[str, object]:
        """The JSON answer; joining by invite also returns the market and its stages."""
        answer: dict[str, object] = {
            "uclusion_token": self.token,
            "market_id": self.market.id,
            "user": user_view(self.user),
        }
        if self.joined:
            answer["market"] = market_view(self.market)
            answer["stages"] = [stage_view(stage) for stage in self.market.stages]
        return answer


class SsoService:
    """Turns a verified identity into a user, an account and capability tokens."""

    def __init__(self, repository: Repository, tokens: CapabilityTokens, clock: Clock) -> None:
        self._repository = repository
        self._tokens = tokens
        self._clock = clock

    def login(self, identity: Identity, request_id: str) -> AccountLogin:
        """Sign in; the first sign-in creates the user and a personal account."""

        def attempt() -> AccountLogin:
            user_id = user_id_for(identity.subject)
            account_id = personal_account_id(user_id)
            snapshot = self._repository.get(
                [user_key(user_id), account_key(account_id)], request_id
            )
            user, account, puts = self._user_and_account(snapshot, identity)
            token = self._tokens.issue(
                Capability(user.id, TokenType.ACCOUNT, account_id=account.id)
            )
            signed_in = AccountLogin(token, account, user)
            if puts:
                self._repository.commit(
                    Transaction(puts=puts, request=RequestRecord(request_id, signed_in.view()))
                )
            return signed_in

        return retrying(attempt)

    def market_login(self, identity: Identity, market_id: str) -> MarketLogin:
        """Sign in to a market the caller is a member of."""
        user_id = user_id_for(identity.subject)
        snapshot = self._repository.get(
            [user_key(user_id), market_key(market_id), presence_key(market_id, user_id)]
        )
        market = snapshot.get(market_key(market_id), Market)
        if market is None:
            raise NotFound("No such market.")
        user = snapshot.get(user_key(user_id), User)
        presence = snapshot.get(presence_key(market_id, user_id), Presence)
        if user is None or presence is None:
            raise NotAMember("You are not a member of this market.")
        if presence.market_banned:
            raise Gone("You are banned from this market.")
        return MarketLogin(self._market_token(presence), market, user, joined=False)

    def join(self, identity: Identity, invite: Capability, request_id: str) -> MarketLogin:
        """Join the market an invite token names, as a participant; joining twice is a no-op."""
        if invite.token_type is not TokenType.MARKET_INVITE or invite.market_id is None:
            raise WrongTokenType("market_token must be a market's invite token.")
        market_id = invite.market_id

        def attempt() -> MarketLogin:
            user_id = user_id_for(identity.subject)
            account_id = personal_account_id(user_id)
            snapshot = self._repository.get(
                [
                    user_key(user_id),
                    account_key(account_id),
                    market_key(market_id),
                    presence_key(market_id, user_id),
                ],
                request_id,
            )
            market = snapshot.get(market_key(market_id), Market)
            if market is None:
                raise NotFound("No such market.")
            presence = snapshot.get(presence_key(market_id, user_id), Presence)
            if presence is not None and presence.market_banned:
                raise Gone("You are banned from this market.")
            if presence is None and not market.is_active:
                raise MarketInactive("The market is inactive.")

            user, _, puts = self._user_and_account(snapshot, identity)
            if presence is None:
                presence = Presence(
                    id=user.id,
                    market_id=market_id,
                    account_id=user.account_id,
                    name=user.name,
                    email=user.email,
                    is_admin=False,
                )
                puts.append(Put(presence, None, stale))
            joined = MarketLogin(self._market_token(presence), market, user, joined=True)
            if puts:
                self._repository.commit(
                    Transaction(
                        puts=puts,
                        checks=[market_is_active(market_id)],
                        request=RequestRecord(request_id, joined.view()),
                    )
                )
            return joined

        return retrying(attempt)

    def _market_token(self, presence: Presence) -> str:
        return self._tokens.issue(
            Capability(
                presence.id,
                TokenType.MARKET,
                account_id=presence.account_id,
                market_id=presence.market_id,
                is_admin=presence.is_admin,
            )
        )

    def _user_and_account(
        self, snapshot: Snapshot, identity: Identity
    ) -> tuple[User, Account, list[Put]]:
        """The signed-in user and account, with the puts that create them if they are new."""
        user_id = user_id_for(identity.subject)
        account_id = personal_account_id(user_id)
        now = self._clock.now()
        puts: list[Put] = []
        user = snapshot.get(user_key(user_id), User)
        if user is None:
            user = User(user_id, account_id, identity.name, identity.email, created_at=now)
            puts.append(Put(user, None, stale))
        account = snapshot.get(account_key(account_id), Account)
        if account is None:
            account = Account(account_id, f"{identity.name}'s account", user_id, created_at=now)
            puts.append(Put(account, None, stale))
        return user, account, puts
