"""Hand-made JWTs for the attacks: any header, any claims, any signature (or none).

Built from the standard library (and `cryptography` for RS256) rather than PyJWT, so the
tests can make tokens PyJWT itself would refuse to sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

Signer = Callable[[bytes], bytes]
DAY = 86_400
_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWTs use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(document: object) -> str:
    """A JSON header or payload segment."""
    return b64url(json.dumps(document, separators=(",", ":")).encode("utf-8"))


def jwt(header: dict[str, Any], claims: object, sign: Signer | None) -> str:
    """`header.claims.signature`; no signer leaves the signature empty (`alg: none`)."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    signature = b"" if sign is None else sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def hmac_signer(secret: bytes, algorithm: str = "HS256") -> Signer:
    """An HMAC signature with `secret`."""
    return lambda data: hmac.new(secret, data, _HASHES[algorithm]).digest()


def rsa_signer(key: rsa.RSAPrivateKey) -> Signer:
    """An RS256 signature with `key`."""
    return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def capability_claims(
    issuer: str, user_id: str, token_type: str, market_id: str | None = None, /, **changes: Any
) -> dict[str, Any]:
    """The claims the service puts in a capability token, valid for a day, with `changes`
    applied (a change to None removes the claim)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": user_id,
        "type": token_type,
        "iat": now,
        "exp": now + DAY,
        "jti": str(uuid.uuid4()),
        "account_id": "account-of-" + user_id,
    }
    if market_id is not None:
        claims["market_id"] = market_id
    if token_type == "market":
        claims["is_admin"] = True
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def identity_claims(issuer: str, audience: str, email: str, /, **changes: Any) -> dict[str, Any]:
    """The claims of a Cognito ID token, valid for an hour, with `changes` applied."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, email)),
        "aud": audience,
        "iss": issuer,
        "token_use": "id",
        "email": email,
        "email_verified": True,
        "cognito:username": email,
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def flip_last_character(text: str) -> str:
    """`text` with its last character changed to another base64url character."""
    return text[:-1] + ("A" if text[-1] != "A" else "B")
