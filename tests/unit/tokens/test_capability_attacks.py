"""Capability tokens refuse every forged, altered, stale or malformed token, and say so safely."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.tokens.capability import JwtCapabilityTokens
from ports.config import CapabilitySettings, SigningSecret
from ports.tokens import Capability, InvalidToken, TokenType
from tests.unit.tokens.support import (
    FakeClock,
    assert_refused,
    b64url,
    compact,
    hmac_signer,
)

ISSUER = "market-api-test"
SECRET = SigningSecret("2026-12", b"c" * 32)
HEADER = {"alg": "HS256", "typ": "JWT", "kid": SECRET.key_id}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens(clock: FakeClock) -> JwtCapabilityTokens:
    configured = CapabilitySettings(issuer=ISSUER, current=SECRET, previous=None)
    return JwtCapabilityTokens(configured, clock)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def market_claims(clock: FakeClock, **changes: Any) -> dict[str, Any]:
    now = int(clock.now().timestamp())
    claims = {
        "iss": ISSUER,
        "sub": "u-1",
        "type": "market",
        "account_id": "a-1",
        "market_id": "m-1",
        "is_admin": False,
        "iat": now,
        "exp": now + 3600,
        "jti": "j-1",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def signed(claims: dict[str, Any] | str, header: dict[str, Any] = HEADER) -> str:
    return compact(header, claims, hmac_signer(SECRET.secret, header.get("alg", "HS256")))


def test_a_hand_made_token_with_the_right_secret_verifies(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    capability = tokens.verify(signed(market_claims(clock)))

    assert capability == Capability(
        user_id="u-1",
        token_type=TokenType.MARKET,
        account_id="a-1",
        market_id="m-1",
        is_admin=False,
        token_id="j-1",
    )


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_an_unsigned_token_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock, alg: str
) -> None:
    token = compact({**HEADER, "alg": alg}, market_claims(clock, is_admin=True), lambda _: b"")

    assert_refused(tokens.verify, token)
    assert_refused(tokens.verify, token.rstrip("."))


def test_a_token_without_an_alg_is_refused(tokens: JwtCapabilityTokens, clock: FakeClock) -> None:
    header = {"typ": "JWT", "kid": SECRET.key_id}

    assert_refused(tokens.verify, signed(market_claims(clock), header))


def test_an_rs256_token_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    def rsa_sign(message: bytes) -> bytes:
        return rsa_key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    token = compact({**HEADER, "alg": "RS256"}, market_claims(clock), rsa_sign)

    assert_refused(tokens.verify, token)


def test_an_hmac_made_with_a_public_key_as_secret_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    token = compact(HEADER, market_claims(clock), hmac_signer(public_pem))

    assert_refused(tokens.verify, token)


def test_a_token_signed_with_another_secret_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    token = compact(HEADER, market_claims(clock), hmac_signer(b"w" * 32))

    assert_refused(tokens.verify, token)


def test_a_token_whose_alg_was_swapped_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    token = compact({**HEADER, "alg": "HS512"}, market_claims(clock), hmac_signer(SECRET.secret))

    assert_refused(tokens.verify, token)


def test_a_token_with_altered_claims_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    header, _, signature = signed(market_claims(clock)).split(".")
    promoted = signed(market_claims(clock, is_admin=True)).split(".")[1]

    assert_refused(tokens.verify, f"{header}.{promoted}.{signature}")


def test_a_token_with_an_altered_signature_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    token = signed(market_claims(clock))
    head, _, signature = token.rpartition(".")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]

    assert_refused(tokens.verify, f"{head}.{flipped}")
    assert_refused(tokens.verify, f"{head}.")


def test_an_expired_token_is_refused(tokens: JwtCapabilityTokens, clock: FakeClock) -> None:
    now = int(clock.now().timestamp())
    token = signed(market_claims(clock, iat=now - 7200, exp=now - 31))

    error = assert_refused(tokens.verify, token)

    assert "expired" in str(error)


def test_a_token_issued_in_the_future_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    now = int(clock.now().timestamp())

    assert_refused(tokens.verify, signed(market_claims(clock, iat=now + 31)))
    assert tokens.verify(signed(market_claims(clock, iat=now + 29))).user_id == "u-1"


def test_a_token_that_is_not_valid_yet_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    now = int(clock.now().timestamp())

    assert_refused(tokens.verify, signed(market_claims(clock, nbf=now + 600)))


@pytest.mark.parametrize("claim", ["iss", "sub", "type", "iat", "exp"])
def test_a_token_missing_a_required_claim_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock, claim: str
) -> None:
    claims = market_claims(clock)
    del claims[claim]

    error = assert_refused(tokens.verify, signed(claims))

    assert f"lacks the {claim} claim" in str(error)


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sub", 42),
        ("sub", ""),
        ("type", ["market"]),
        ("iat", "now"),
        ("exp", "2100-01-01"),
        ("exp", True),
        ("exp", 10**400),
        ("exp", float("inf")),
        ("iat", float("nan")),
        ("market_id", 7),
        ("account_id", {"id": "a-1"}),
        ("is_admin", "true"),
        ("is_admin", 1),
        ("jti", 5),
    ],
)
def test_a_claim_of_the_wrong_kind_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock, claim: str, value: object
) -> None:
    assert_refused(tokens.verify, signed(market_claims(clock, **{claim: value})))


def test_a_token_from_another_issuer_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    error = assert_refused(tokens.verify, signed(market_claims(clock, iss="someone-else")))

    assert "issuer" in str(error)


@pytest.mark.parametrize("kid", ["2026-11", "", None, 12, ["2026-12"]])
def test_a_token_naming_an_unknown_or_no_key_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock, kid: object
) -> None:
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    if kid is None:
        del header["kid"]

    assert_refused(tokens.verify, signed(market_claims(clock), header))


@pytest.mark.parametrize("token_type", ["admin", "Market", "", "account "])
def test_a_token_of_an_unknown_type_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock, token_type: str
) -> None:
    assert_refused(tokens.verify, signed(market_claims(clock, type=token_type)))


@pytest.mark.parametrize("token_type", ["market", "market_invite"])
def test_a_market_token_without_a_market_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock, token_type: str
) -> None:
    claims = market_claims(clock, type=token_type)
    del claims["market_id"]

    assert_refused(tokens.verify, signed(claims))


@pytest.mark.parametrize(
    "payload", ['["market"]', '"market"', "42", "not json", "[" * 5000, "{" * 5000]
)
def test_a_signed_payload_that_is_not_a_claims_object_is_refused(
    tokens: JwtCapabilityTokens, payload: str
) -> None:
    assert_refused(tokens.verify, signed(payload))


def test_a_token_over_8_kib_is_refused_before_it_is_parsed(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    padded = signed(market_claims(clock, padding="p" * 100_000))

    error = assert_refused(tokens.verify, padded)

    assert "longer than" in str(error)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "undefined",
        "null",
        "Bearer ",
        "Bearer undefined",
        "garbage",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "...",
        "eyJ.eyJ.sig",
        "\u00e9t\u00e9.\u00e9t\u00e9.sig",
        "%%%.%%%.%%%",
    ],
)
def test_garbage_is_refused(tokens: JwtCapabilityTokens, token: str) -> None:
    assert_refused(tokens.verify, token)


def test_a_token_that_is_not_a_string_is_refused(tokens: JwtCapabilityTokens) -> None:
    for value in (None, b"token", 42):
        with pytest.raises(InvalidToken):
            tokens.verify(value)  # type: ignore[arg-type]


def test_a_header_with_an_unknown_critical_extension_is_refused(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    header = {**HEADER, "crit": ["exp-by-magic"], "exp-by-magic": True}

    assert_refused(tokens.verify, signed(market_claims(clock), header))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_is_either_refused_or_nothing_else_happens(text: str) -> None:
    configured = CapabilitySettings(issuer=ISSUER, current=SECRET, previous=None)
    tokens = JwtCapabilityTokens(configured, FakeClock())

    with pytest.raises(InvalidToken):
        tokens.verify(text)


_CLAIM_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.lists(st.text(max_size=4), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(
    claims=st.dictionaries(
        st.sampled_from(["iss", "sub", "type", "iat", "exp", "nbf", "market_id", "is_admin"]),
        _CLAIM_VALUES,
    )
)
def test_correctly_signed_but_odd_claims_never_raise_anything_but_invalid_token(
    claims: dict[str, Any],
) -> None:
    configured = CapabilitySettings(issuer=ISSUER, current=SECRET, previous=None)
    tokens = JwtCapabilityTokens(configured, FakeClock())

    try:
        capability = tokens.verify(signed(claims))
    except InvalidToken:
        return
    assert capability.user_id == claims["sub"]


def test_signatures_are_checked_over_the_exact_encoded_segments(
    tokens: JwtCapabilityTokens, clock: FakeClock
) -> None:
    token = signed(market_claims(clock))
    header, payload, signature = token.split(".")

    assert_refused(tokens.verify, f"{header}.{payload}=.{signature}")
    assert_refused(tokens.verify, f"{header}.{payload}.{signature}{b64url(b'x')}")
