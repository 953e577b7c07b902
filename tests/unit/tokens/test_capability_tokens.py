"""Capability tokens: what they carry, how long they live, how their secret rotates."""

from __future__ import annotations

import pytest

from adapters.tokens.capability import JwtCapabilityTokens
from ports.config import CapabilitySettings, ConfigurationError, SigningSecret
from ports.tokens import Capability, InvalidToken, TokenType
from tests.unit.tokens.support import FakeClock, claims_of, header_of

ISSUER = "market-api-test"
NOVEMBER = SigningSecret("2026-11", b"n" * 32)
DECEMBER = SigningSecret("2026-12", b"d" * 40)


def settings(
    current: SigningSecret = DECEMBER,
    previous: SigningSecret | None = None,
    algorithms: tuple[str, ...] = ("HS256",),
) -> CapabilitySettings:
    return CapabilitySettings(
        issuer=ISSUER,
        current=current,
        previous=previous,
        algorithms=algorithms,
        account_token_days=30,
        market_token_days=7,
        invite_token_days=365,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens(clock: FakeClock) -> JwtCapabilityTokens:
    return JwtCapabilityTokens(settings(), clock)


ACCOUNT = Capability(user_id="u-1", token_type=TokenType.ACCOUNT, account_id="a-1")
MARKET = Capability(
    user_id="u-1", token_type=TokenType.MARKET, account_id="a-1", market_id="m-1", is_admin=True
)
INVITE = Capability(user_id="u-1", token_type=TokenType.MARKET_INVITE, market_id="m-1")


@pytest.mark.parametrize("capability", [ACCOUNT, MARKET, INVITE], ids=lambda c: c.token_type)
def test_each_token_type_survives_a_round_trip(
    tokens: JwtCapabilityTokens, capability: Capability
) -> None:
    verified = tokens.verify(tokens.issue(capability))

    assert verified.user_id == capability.user_id
    assert verified.token_type is capability.token_type
    assert verified.account_id == capability.account_id
    assert verified.market_id == capability.market_id
    assert verified.is_admin == capability.is_admin
    assert verified.token_id


def test_a_token_behind_a_bearer_prefix_verifies(tokens: JwtCapabilityTokens) -> None:
    token = tokens.issue(MARKET)

    assert tokens.verify(f"Bearer {token}").market_id == "m-1"


@pytest.mark.parametrize(
    ("capability", "days"), [(ACCOUNT, 30), (MARKET, 7), (INVITE, 365)], ids=["account", "m", "i"]
)
def test_the_lifetime_is_the_configured_days_of_the_type(
    tokens: JwtCapabilityTokens, clock: FakeClock, capability: Capability, days: int
) -> None:
    claims = claims_of(tokens.issue(capability))

    assert claims["iat"] == int(clock.now().timestamp())
    assert claims["exp"] - claims["iat"] == days * 86_400


def test_a_token_carries_the_claims_of_the_contract(tokens: JwtCapabilityTokens) -> None:
    token = tokens.issue(MARKET)

    assert header_of(token)["kid"] == DECEMBER.key_id
    assert header_of(token)["alg"] == "HS256"
    assert claims_of(token) | {"iat": 0, "exp": 0, "jti": "x"} == {
        "iss": ISSUER,
        "sub": "u-1",
        "type": "market",
        "account_id": "a-1",
        "market_id": "m-1",
        "is_admin": True,
        "iat": 0,
        "exp": 0,
        "jti": "x",
    }


def test_the_first_configured_algorithm_signs(clock: FakeClock) -> None:
    strong = SigningSecret("2026-12", b"s" * 64)
    tokens = JwtCapabilityTokens(settings(strong, algorithms=("HS512", "HS256")), clock)

    token = tokens.issue(ACCOUNT)

    assert header_of(token)["alg"] == "HS512"
    assert tokens.verify(token).user_id == "u-1"


def test_every_token_gets_its_own_id_unless_one_is_given(tokens: JwtCapabilityTokens) -> None:
    first = tokens.verify(tokens.issue(ACCOUNT)).token_id
    second = tokens.verify(tokens.issue(ACCOUNT)).token_id
    chosen = Capability(user_id="u-1", token_type=TokenType.ACCOUNT, token_id="invite-42")

    assert first != second
    assert tokens.verify(tokens.issue(chosen)).token_id == "invite-42"


def test_only_market_tokens_carry_admin_rights(tokens: JwtCapabilityTokens) -> None:
    admin_account = Capability(user_id="u-1", token_type=TokenType.ACCOUNT, is_admin=True)

    token = tokens.issue(admin_account)

    assert "is_admin" not in claims_of(token)
    assert tokens.verify(token).is_admin is False


@pytest.mark.parametrize("token_type", [TokenType.MARKET, TokenType.MARKET_INVITE])
def test_a_market_capability_without_a_market_cannot_be_issued(
    tokens: JwtCapabilityTokens, token_type: TokenType
) -> None:
    with pytest.raises(ValueError, match="market id"):
        tokens.issue(Capability(user_id="u-1", token_type=token_type))


def test_a_token_stays_valid_until_it_expires_plus_the_leeway(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    token = tokens.issue(MARKET)

    clock.advance(7 * 86_400 + 29)
    assert tokens.verify(token).user_id == "u-1"

    clock.advance(1)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)


def test_a_token_signed_with_the_previous_secret_verifies_during_rotation(
    clock: FakeClock,
) -> None:
    before = JwtCapabilityTokens(settings(current=NOVEMBER), clock)
    token = before.issue(MARKET)

    during = JwtCapabilityTokens(settings(current=DECEMBER, previous=NOVEMBER), clock)

    assert during.verify(token).market_id == "m-1"
    assert header_of(during.issue(MARKET))["kid"] == DECEMBER.key_id


def test_a_token_signed_with_a_retired_secret_is_refused(clock: FakeClock) -> None:
    token = JwtCapabilityTokens(settings(current=NOVEMBER), clock).issue(MARKET)

    after = JwtCapabilityTokens(settings(current=DECEMBER, previous=None), clock)

    with pytest.raises(InvalidToken, match="signing key"):
        after.verify(token)


def test_a_previous_key_id_does_not_unlock_the_current_secret(clock: FakeClock) -> None:
    forged_kid = SigningSecret(NOVEMBER.key_id, DECEMBER.secret)
    token = JwtCapabilityTokens(settings(current=forged_kid), clock).issue(MARKET)

    during = JwtCapabilityTokens(settings(current=DECEMBER, previous=NOVEMBER), clock)

    with pytest.raises(InvalidToken):
        during.verify(token)


@pytest.mark.parametrize("length", [0, 1, 16, 31])
def test_a_secret_under_32_bytes_is_refused_at_construction(clock: FakeClock, length: int) -> None:
    short = SigningSecret("2026-12", b"k" * length)

    with pytest.raises(ConfigurationError, match="shorter than 32 bytes") as caught:
        JwtCapabilityTokens(settings(current=short), clock)

    assert "k" * max(length, 4) not in str(caught.value)


def test_a_short_previous_secret_is_refused_at_construction(clock: FakeClock) -> None:
    with pytest.raises(ConfigurationError, match="2026-11"):
        JwtCapabilityTokens(settings(previous=SigningSecret("2026-11", b"p" * 31)), clock)


def test_a_secret_shorter_than_the_hash_of_its_algorithm_is_refused(clock: FakeClock) -> None:
    with pytest.raises(ConfigurationError, match="HS512"):
        JwtCapabilityTokens(settings(SigningSecret("k", b"x" * 32), algorithms=("HS512",)), clock)


def test_a_key_file_is_refused_as_a_secret(clock: FakeClock) -> None:
    pem = b"-----BEGIN PUBLIC KEY-----\n" + b"A" * 64 + b"\n-----END PUBLIC KEY-----\n"

    with pytest.raises(ConfigurationError, match="key file"):
        JwtCapabilityTokens(settings(SigningSecret("k", pem)), clock)


@pytest.mark.parametrize(
    "algorithms", [("none",), ("RS256",), ("HS256", "none"), ("HS256", "RS256"), ("ES256",), ()]
)
def test_only_hmac_algorithms_may_be_configured(
    clock: FakeClock, algorithms: tuple[str, ...]
) -> None:
    with pytest.raises(ConfigurationError):
        JwtCapabilityTokens(settings(algorithms=algorithms), clock)


def test_current_and_previous_secrets_need_distinct_key_ids(clock: FakeClock) -> None:
    twin = SigningSecret(DECEMBER.key_id, b"t" * 32)

    with pytest.raises(ConfigurationError, match="key id"):
        JwtCapabilityTokens(settings(current=DECEMBER, previous=twin), clock)


def test_an_identical_previous_secret_mid_rotation_counts_as_none(clock: FakeClock) -> None:
    tokens = JwtCapabilityTokens(settings(current=DECEMBER, previous=DECEMBER), clock)

    token = tokens.issue(Capability("u-1", TokenType.ACCOUNT, account_id="a-1"))

    assert tokens.verify(token).user_id == "u-1"
