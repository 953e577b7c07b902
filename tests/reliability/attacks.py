"""The token attacks of tests/reliability/test_token_attacks.py: how each forged, malformed
or misdirected token is made, and what the authorizer and the sign-in route must answer."""

from __future__ import annotations

import json
import secrets as random_secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.local.idp import AUDIENCE, ISSUER
from tests.integration.gateway.flows import unique_email
from tests.reliability import forge

AUTHORIZER, SIGN_IN = "authorizer", "sign-in"
UNAUTHORIZED, FORBIDDEN = {401}, {403}


@dataclass(frozen=True)
class Scene:
    """A DECISION market with its admin, a member and an investible; the dev IdP's key."""

    account_token: str
    admin_token: str
    invite: str
    market_id: str
    admin_id: str
    member_id: str
    idp_key: rsa.RSAPrivateKey
    idp_kid: str


@dataclass(frozen=True)
class Forger:
    """Makes capability tokens of one type for the scene's market, with the real secret."""

    scene: Scene
    issuer: str
    kid: str
    secret: bytes
    token_type: str

    def claims(self, **changes: Any) -> dict[str, Any]:
        return forge.capability_claims(
            self.issuer, self.scene.admin_id, self.token_type, self.scene.market_id, **changes
        )

    def header(self, **changes: Any) -> dict[str, Any]:
        return {"alg": "HS256", "typ": "JWT", "kid": self.kid, **changes}

    def signed(self, claims: dict[str, Any] | None = None, **header: Any) -> str:
        chosen = self.header(**header)
        sign = forge.hmac_signer(self.secret, chosen.get("alg", "HS256"))
        return forge.jwt(chosen, self.claims() if claims is None else claims, sign)


def public_pem(scene: Scene) -> bytes:
    return scene.idp_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def tampered_payload(forger: Forger) -> str:
    header, _, signature = forger.signed().split(".")
    claims = forger.claims(sub=forger.scene.member_id, is_admin=True)
    return f"{header}.{forge.segment(claims)}.{signature}"


def tampered_signature(forger: Forger) -> str:
    # The middle character: the last one of a base64url signature may only carry padding bits.
    token = forger.signed()
    middle = len(token) - 20
    return token[:middle] + ("Q" if token[middle] != "Q" else "g") + token[middle + 1 :]


def oversized(forger: Forger, size: int) -> str:
    return forger.signed(forger.claims(padding="p" * size))


# name -> (how the token is made, statuses at the authorizer, statuses at sign-in)
Build = Callable[[Forger], str]
CAPABILITY_ATTACKS: dict[str, tuple[Build, set[int], set[int]]] = {
    "alg none": (
        lambda f: forge.jwt(f.header(alg="none"), f.claims(), None),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "alg None with an HMAC signature": (
        lambda f: forge.jwt(f.header(alg="None"), f.claims(), forge.hmac_signer(f.secret)),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "HS256 keyed with the IdP public key": (
        lambda f: forge.jwt(f.header(), f.claims(), forge.hmac_signer(public_pem(f.scene))),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "RS256 capability signed by the IdP": (
        lambda f: forge.jwt(f.header(alg="RS256"), f.claims(), forge.rsa_signer(f.scene.idp_key)),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "wrong key": (
        lambda f: forge.jwt(
            f.header(), f.claims(), forge.hmac_signer(random_secrets.token_bytes(48))
        ),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "empty key": (
        lambda f: forge.jwt(f.header(), f.claims(), forge.hmac_signer(b"")),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "tampered payload": (tampered_payload, UNAUTHORIZED, UNAUTHORIZED),
    "tampered signature": (tampered_signature, UNAUTHORIZED, UNAUTHORIZED),
    "signature removed": (
        lambda f: f.signed().rsplit(".", 1)[0] + ".",
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "expired": (
        lambda f: f.signed(
            f.claims(iat=int(time.time()) - 3 * forge.DAY, exp=int(time.time()) - forge.DAY)
        ),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "not yet valid (nbf)": (
        lambda f: f.signed(f.claims(nbf=int(time.time()) + forge.DAY)),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "issued in the future": (
        lambda f: f.signed(
            f.claims(iat=int(time.time()) + forge.DAY, exp=int(time.time()) + 2 * forge.DAY)
        ),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    **{
        f"missing {claim}": (
            lambda f, claim=claim: f.signed(f.claims(**{claim: None})),
            UNAUTHORIZED,
            UNAUTHORIZED,
        )
        for claim in ("iss", "sub", "type", "iat", "exp")
    },
    "missing market_id": (
        lambda f: f.signed(f.claims(market_id=None)),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "wrong issuer": (
        lambda f: f.signed(f.claims(iss="someone-else")),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "unknown type": (
        lambda f: f.signed(f.claims(type="superuser")),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "HS512 where HS256 is configured": (
        lambda f: f.signed(alg="HS512"),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "unknown kid": (lambda f: f.signed(kid="no-such-key"), UNAUTHORIZED, UNAUTHORIZED),
    "no kid": (
        lambda f: forge.jwt(
            {"alg": "HS256", "typ": "JWT"}, f.claims(), forge.hmac_signer(f.secret)
        ),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "retired kid": (
        lambda f: forge.jwt(
            f.header(kid="local-previous"),
            f.claims(),
            forge.hmac_signer(random_secrets.token_bytes(48)),
        ),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    "retired kid with the current secret": (
        lambda f: f.signed(kid="local-previous"),
        UNAUTHORIZED,
        UNAUTHORIZED,
    ),
    # Past the verifier's 8 KiB bound but within the HTTP server's line limit: refused unread.
    "20 KB token": (lambda f: oversized(f, 20_000), UNAUTHORIZED, {400}),
    "garbage": (lambda f: "garbage.token.here", UNAUTHORIZED, UNAUTHORIZED),
    "three empty segments": (lambda f: "..", UNAUTHORIZED, UNAUTHORIZED),
    "JSON instead of a token": (lambda f: json.dumps(f.claims()), UNAUTHORIZED, UNAUTHORIZED),
    "undefined": (lambda f: "undefined", UNAUTHORIZED, UNAUTHORIZED),
    "Bearer alone": (lambda f: "Bearer", UNAUTHORIZED, UNAUTHORIZED),
    "Bearer and a space": (lambda f: "Bearer ", UNAUTHORIZED, UNAUTHORIZED),
    "Bearer garbage": (lambda f: "Bearer x.y.z", UNAUTHORIZED, UNAUTHORIZED),
    "non-ASCII": (lambda f: f.signed() + "\u00e9", UNAUTHORIZED, UNAUTHORIZED),
    # An empty header never reaches the authorizer (401); an empty market_token is a 400.
    "empty": (lambda f: "", UNAUTHORIZED, {400}),
}

# Real tokens of the wrong type: name -> (token of the scene, the authorizer's route). The
# invite is what the sign-in route takes, so it is tried at the authorizer only.
WRONG_TYPES: dict[str, tuple[Callable[[Scene], str], tuple[str, str, dict[str, Any]]]] = {
    "account token on a market route": (
        lambda s: s.account_token,
        ("POST", "/investibles/create", {"name": "forged"}),
    ),
    "market token on POST /create": (
        lambda s: s.admin_token,
        ("POST", "/create", {"market_type": "DECISION", "name": "forged"}),
    ),
    "invite token as a market token": (
        lambda s: s.invite,
        ("POST", "/investibles/create", {"name": "forged"}),
    ),
}


def forger_for(scene: Scene, secrets: dict[str, Any], token_type: str) -> Forger:
    current = secrets["current"]
    return Forger(scene, secrets["issuer"], current["kid"], current["secret"].encode(), token_type)


# Identity tokens at POST /sso/cognito: name -> how the token is made.
IdentityBuild = Callable[[Scene], str]


def identity(
    scene: Scene, key: rsa.RSAPrivateKey | None = None, kid: str | None = None, **claims: Any
) -> str:
    header = {"alg": "RS256", "typ": "JWT", "kid": kid or scene.idp_kid}
    body = forge.identity_claims(ISSUER, AUDIENCE, unique_email("identity"), **claims)
    return forge.jwt(header, body, forge.rsa_signer(key or scene.idp_key))


def fresh_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def swap_signature(token: str, signature: bytes) -> str:
    return token.rsplit(".", 1)[0] + "." + forge.b64url(signature)


def modulus_bytes(scene: Scene) -> bytes:
    return scene.idp_key.public_key().public_numbers().n.to_bytes(256, "big")


IDENTITY_ATTACKS: dict[str, IdentityBuild] = {
    "wrong audience": lambda s: identity(s, aud="another-app-client"),
    "audience as a list": lambda s: identity(s, aud=[AUDIENCE, "another"]),
    "wrong issuer": lambda s: identity(s, iss="https://cognito-idp.example/evil"),
    "access token": lambda s: identity(s, token_use="access"),
    "no token_use": lambda s: identity(s, token_use=None),
    "fresh key with the IdP's kid": lambda s: identity(s, key=fresh_key()),
    "fresh key with another kid": lambda s: identity(s, key=fresh_key(), kid="attacker-key"),
    "expired": lambda s: identity(
        s, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600, auth_time=None
    ),
    "issued in the future": lambda s: identity(
        s, iat=int(time.time()) + 3600, exp=int(time.time()) + 7200
    ),
    "not yet valid (nbf)": lambda s: identity(s, nbf=int(time.time()) + 3600),
    "no email": lambda s: identity(s, email=None),
    "alg none": lambda s: forge.jwt(
        {"alg": "none", "kid": s.idp_kid}, forge.identity_claims(ISSUER, AUDIENCE, "x@e.com"), None
    ),
    "HS256 keyed with the IdP public key": lambda s: forge.jwt(
        {"alg": "HS256", "kid": s.idp_kid},
        forge.identity_claims(ISSUER, AUDIENCE, unique_email("confused")),
        forge.hmac_signer(public_pem(s)),
    ),
    "tampered payload": lambda s: (
        forge.segment({"alg": "RS256", "kid": s.idp_kid})
        + "."
        + forge.segment(forge.identity_claims(ISSUER, AUDIENCE, "ceo@example.com"))
        + "."
        + identity(s).rsplit(".", 1)[1]
    ),
    "signature of zeros": lambda s: swap_signature(identity(s), bytes(256)),
    "signature equal to the modulus": lambda s: swap_signature(identity(s), modulus_bytes(s)),
    "short signature": lambda s: swap_signature(identity(s), b"\x01"),
    "garbage": lambda s: "not-a-token",
    "undefined": lambda s: "undefined",
}
