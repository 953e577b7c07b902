"""RS256 signature verification in pure Python, registered on a private PyJWS instance.

The Lambda package does not ship `cryptography`, yet `/sso/cognito` must check Cognito ID
tokens, which are RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 section 8.2). Verifying
needs only a public key, one modular exponentiation and a byte comparison, so it is done here.
Signing is out of scope: this service never holds an RSA private key in production.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from jwt.algorithms import Algorithm
from jwt.api_jws import PyJWS
from jwt.exceptions import InvalidKeyError

ALGORITHM = "RS256"
MIN_MODULUS_BITS = 2048
MAX_MODULUS_BITS = 8192

# The DER encoding of DigestInfo{sha256, NULL} up to the digest (RFC 8017, section 9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_BASE64URL_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True, slots=True)
class RsaPublicKey:
    """An RSA public key fit for RS256: a modulus of 2048 to 8192 bits and an odd exponent."""

    modulus: int
    exponent: int

    def __post_init__(self) -> None:
        bits = self.modulus.bit_length()
        if bits < MIN_MODULUS_BITS:
            raise InvalidKeyError(f"RSA modulus of {bits} bits is under {MIN_MODULUS_BITS}")
        if bits > MAX_MODULUS_BITS:
            raise InvalidKeyError(f"RSA modulus of {bits} bits is over {MAX_MODULUS_BITS}")
        if self.exponent < 3 or self.exponent % 2 == 0 or self.exponent >= self.modulus:
            raise InvalidKeyError("RSA public exponent is not usable")

    @property
    def size_in_bytes(self) -> int:
        """The length of the modulus in octets, which every signature must have exactly."""
        return (self.modulus.bit_length() + 7) // 8

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> RsaPublicKey:
        """The key a JWK describes; raises `InvalidKeyError` unless it is a usable RSA key."""
        if jwk.get("kty") != "RSA":
            raise InvalidKeyError("JWK is not an RSA key")
        return cls(modulus=_base64url_uint(jwk.get("n")), exponent=_base64url_uint(jwk.get("e")))

    def to_jwk(self) -> dict[str, str]:
        """The public JWK members of this key (`kty`, `n`, `e`)."""
        return {
            "kty": "RSA",
            "n": _base64url_from_uint(self.modulus),
            "e": _base64url_from_uint(self.exponent),
        }


def verify_rs256(key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `message`."""
    size = key.size_in_bytes
    if len(signature) != size:
        return False

    representative = int.from_bytes(signature, "big")
    if representative >= key.modulus:
        return False

    recovered = pow(representative, key.exponent, key.modulus).to_bytes(size, "big")
    return hmac.compare_digest(recovered, _encoded_sha256_message(message, size))


def _encoded_sha256_message(message: bytes, size: int) -> bytes:
    """EMSA-PKCS1-v1_5 encoding: 00 01 FF..FF 00 DigestInfo, exactly `size` octets long."""
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    padding_length = size - len(digest_info) - 3
    return b"\x00\x01" + b"\xff" * padding_length + b"\x00" + digest_info


def _base64url_uint(value: object) -> int:
    """A big-endian unsigned integer from unpadded base64url, refusing anything else."""
    if not isinstance(value, str) or not value:
        raise InvalidKeyError("JWK integer member is missing")
    encoded = value.encode("ascii", errors="replace")
    if len(encoded) % 4 == 1 or not set(encoded) <= _BASE64URL_ALPHABET:
        raise InvalidKeyError("JWK integer member is not base64url")
    try:
        decoded = base64.urlsafe_b64decode(encoded + b"=" * (-len(encoded) % 4))
    except binascii.Error as error:
        raise InvalidKeyError("JWK integer member is not base64url") from error
    return int.from_bytes(decoded, "big")


def _base64url_from_uint(value: int) -> str:
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class Rs256Verifier(Algorithm):
    """The RS256 algorithm for PyJWT, verification only, with keys as `RsaPublicKey` or JWKs."""

    hash_alg = hashlib.sha256

    def prepare_key(self, key: Any) -> RsaPublicKey:
        """The key as an `RsaPublicKey`; accepts one already, or an RSA JWK mapping."""
        if isinstance(key, RsaPublicKey):
            return key
        if isinstance(key, Mapping):
            return RsaPublicKey.from_jwk(key)
        raise InvalidKeyError("RS256 verification needs an RSA public key")

    def sign(self, msg: bytes, key: Any) -> NoReturn:
        """Not supported: this service only verifies RS256 signatures."""
        raise NotImplementedError("RS256 signing is not available without cryptography")

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        """Whether `sig` signs `msg` under the public key `key`."""
        return verify_rs256(self.prepare_key(key), msg, sig)

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        """The public JWK of an `RsaPublicKey`, as a dict or as JSON text."""
        if not isinstance(key_obj, RsaPublicKey):
            raise InvalidKeyError("Not an RSA public key")
        jwk = key_obj.to_jwk()
        return jwk if as_dict else json.dumps(jwk)

    @staticmethod
    def from_jwk(jwk: str | Mapping[str, Any]) -> RsaPublicKey:
        """The `RsaPublicKey` of a JWK given as a dict or as JSON text."""
        if isinstance(jwk, str):
            try:
                jwk = json.loads(jwk)
            except ValueError as error:
                raise InvalidKeyError("JWK is not valid JSON") from error
        if not isinstance(jwk, Mapping):
            raise InvalidKeyError("JWK is not a JSON object")
        return RsaPublicKey.from_jwk(jwk)


def rs256_jws() -> PyJWS:
    """A private PyJWS that knows RS256 (this verifier) and no other algorithm, `none` included."""
    jws = PyJWS(algorithms=[])
    jws.register_algorithm(ALGORITHM, Rs256Verifier())
    return jws
