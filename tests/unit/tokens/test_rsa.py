"""The pure-Python RS256 verifier agrees with `cryptography` and PyJWT, and refuses the rest."""

from __future__ import annotations

import hashlib
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import InvalidAlgorithmError, InvalidKeyError, InvalidSignatureError

from adapters.tokens.rsa import Rs256Verifier, RsaPublicKey, rs256_jws, verify_rs256
from tests.unit.tokens.support import b64url

MESSAGE = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTEifQ"


def public_key_of(private_key: rsa.RSAPrivateKey) -> RsaPublicKey:
    numbers = private_key.public_key().public_numbers()
    return RsaPublicKey(modulus=numbers.n, exponent=numbers.e)


def pkcs1_sha256(private_key: rsa.RSAPrivateKey, message: bytes) -> bytes:
    return private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())


@pytest.fixture(scope="module")
def key_2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def key_3072() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("message", [b"", b"x", MESSAGE, bytes(range(256)) * 40])
def test_signatures_made_by_cryptography_verify(
    key_2048: rsa.RSAPrivateKey, key_3072: rsa.RSAPrivateKey, message: bytes
) -> None:
    for private_key in (key_2048, key_3072):
        signature = pkcs1_sha256(private_key, message)

        assert verify_rs256(public_key_of(private_key), message, signature)


def test_flipping_any_bit_of_the_signature_breaks_it(key_2048: rsa.RSAPrivateKey) -> None:
    key = public_key_of(key_2048)
    signature = pkcs1_sha256(key_2048, MESSAGE)

    for bit in range(len(signature) * 8):
        altered = bytearray(signature)
        altered[bit // 8] ^= 1 << (bit % 8)
        assert not verify_rs256(key, MESSAGE, bytes(altered)), f"bit {bit} went unnoticed"


def test_flipping_any_bit_of_the_message_breaks_the_signature(
    key_2048: rsa.RSAPrivateKey,
) -> None:
    key = public_key_of(key_2048)
    signature = pkcs1_sha256(key_2048, MESSAGE)

    for bit in range(len(MESSAGE) * 8):
        altered = bytearray(MESSAGE)
        altered[bit // 8] ^= 1 << (bit % 8)
        assert not verify_rs256(key, bytes(altered), signature), f"bit {bit} went unnoticed"


def test_a_signature_by_another_key_fails(
    key_2048: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey
) -> None:
    signature = pkcs1_sha256(other_key, MESSAGE)

    assert not verify_rs256(public_key_of(key_2048), MESSAGE, signature)


def test_signatures_with_another_hash_or_padding_fail(key_2048: rsa.RSAPrivateKey) -> None:
    key = public_key_of(key_2048)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)

    assert not verify_rs256(
        key, MESSAGE, key_2048.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA384())
    )
    assert not verify_rs256(key, MESSAGE, key_2048.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA1()))
    assert not verify_rs256(key, MESSAGE, key_2048.sign(MESSAGE, pss, hashes.SHA256()))


def raw_signature(private_key: rsa.RSAPrivateKey, encoded: bytes) -> bytes:
    """The RSA signature primitive applied to an encoded message we chose ourselves."""
    numbers = private_key.private_numbers()
    modulus = numbers.public_numbers.n
    size = (modulus.bit_length() + 7) // 8
    return pow(int.from_bytes(encoded, "big"), numbers.d, modulus).to_bytes(size, "big")


SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def test_an_exact_encoding_signed_raw_verifies(key_2048: rsa.RSAPrivateKey) -> None:
    digest = hashlib.sha256(MESSAGE).digest()
    encoded = b"\x00\x01" + b"\xff" * 202 + b"\x00" + SHA256_DIGEST_INFO + digest

    assert verify_rs256(public_key_of(key_2048), MESSAGE, raw_signature(key_2048, encoded))


@pytest.mark.parametrize(
    "encoding",
    [
        "block type 2",
        "padding not all ff",
        "junk after the digest",
        "digest info without null parameters",
        "no zero separator",
    ],
)
def test_a_loosely_encoded_message_fails(key_2048: rsa.RSAPrivateKey, encoding: str) -> None:
    digest = hashlib.sha256(MESSAGE).digest()
    without_null = bytes.fromhex("302f300b0609608648016503040201") + b"\x04\x20"
    encodings = {
        "block type 2": b"\x00\x02" + b"\xff" * 202 + b"\x00" + SHA256_DIGEST_INFO + digest,
        "padding not all ff": b"\x00\x01"
        + b"\xff" * 201
        + b"\xfe\x00"
        + SHA256_DIGEST_INFO
        + digest,
        "junk after the digest": b"\x00\x01"
        + b"\xff" * 10
        + b"\x00"
        + SHA256_DIGEST_INFO
        + digest
        + b"\x5a" * 192,
        "digest info without null parameters": b"\x00\x01"
        + b"\xff" * 204
        + b"\x00"
        + without_null
        + digest,
        "no zero separator": b"\x00\x01" + b"\xff" * 203 + SHA256_DIGEST_INFO + digest,
    }
    encoded = encodings[encoding]
    assert len(encoded) == 256

    assert not verify_rs256(public_key_of(key_2048), MESSAGE, raw_signature(key_2048, encoded))


def test_a_signature_of_the_wrong_length_fails(key_2048: rsa.RSAPrivateKey) -> None:
    key = public_key_of(key_2048)
    signature = pkcs1_sha256(key_2048, MESSAGE)

    assert not verify_rs256(key, MESSAGE, b"\x00" + signature)
    assert not verify_rs256(key, MESSAGE, signature[1:])
    assert not verify_rs256(key, MESSAGE, b"")


def test_a_signature_not_below_the_modulus_fails(key_2048: rsa.RSAPrivateKey) -> None:
    key = public_key_of(key_2048)
    signature = pkcs1_sha256(key_2048, MESSAGE)
    shifted = int.from_bytes(signature, "big") + key.modulus

    if shifted.bit_length() <= key.size_in_bytes * 8:
        assert not verify_rs256(key, MESSAGE, shifted.to_bytes(key.size_in_bytes, "big"))
    assert not verify_rs256(key, MESSAGE, key.modulus.to_bytes(key.size_in_bytes, "big"))
    assert not verify_rs256(key, MESSAGE, b"\xff" * key.size_in_bytes)


def test_keys_under_2048_bits_are_refused() -> None:
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    jwk = RSAAlgorithm.to_jwk(short.public_key(), as_dict=True)

    with pytest.raises(InvalidKeyError, match="under 2048"):
        RsaPublicKey.from_jwk(jwk)


@pytest.mark.parametrize("exponent", [1, 2, 65536])
def test_unusable_exponents_are_refused(key_2048: rsa.RSAPrivateKey, exponent: int) -> None:
    with pytest.raises(InvalidKeyError, match="exponent"):
        RsaPublicKey(modulus=public_key_of(key_2048).modulus, exponent=exponent)


def test_a_jwk_decodes_to_the_same_numbers_as_pyjwt_publishes(key_2048: rsa.RSAPrivateKey) -> None:
    jwk = RSAAlgorithm.to_jwk(key_2048.public_key(), as_dict=True)

    key = RsaPublicKey.from_jwk(jwk)

    assert key == public_key_of(key_2048)
    assert key.to_jwk() == {"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}
    assert Rs256Verifier.from_jwk(Rs256Verifier.to_jwk(key)) == key


@pytest.mark.parametrize(
    "change",
    [
        {"kty": "EC"},
        {"kty": None},
        {"n": None},
        {"e": 65537},
        {"e": "AQAB="},
        {"e": "AQ+B"},
        {"e": ""},
        {"n": "A"},
    ],
)
def test_a_malformed_jwk_is_refused(key_2048: rsa.RSAPrivateKey, change: dict[str, Any]) -> None:
    jwk = {**RSAAlgorithm.to_jwk(key_2048.public_key(), as_dict=True), **change}

    with pytest.raises(InvalidKeyError):
        RsaPublicKey.from_jwk({name: value for name, value in jwk.items() if value is not None})


def test_tokens_signed_by_pyjwt_verify_on_the_private_instance(
    key_2048: rsa.RSAPrivateKey,
) -> None:
    token = jwt.encode({"sub": "u-1"}, key_2048, algorithm="RS256", headers={"kid": "k"})

    key: Any = public_key_of(key_2048)  # PyJWT's hints do not know custom key types

    decoded = rs256_jws().decode_complete(token, key=key, algorithms=["RS256"])

    assert decoded["payload"] == b'{"sub":"u-1"}'
    assert decoded["header"]["kid"] == "k"


def test_a_tampered_pyjwt_token_fails_on_the_private_instance(
    key_2048: rsa.RSAPrivateKey,
) -> None:
    token = jwt.encode({"sub": "u-1"}, key_2048, algorithm="RS256")
    header, _, signature = token.split(".")
    other_payload = b64url(b'{"sub":"u-2"}')
    forged = f"{header}.{other_payload}.{signature}"
    key: Any = public_key_of(key_2048)

    with pytest.raises(InvalidSignatureError):
        rs256_jws().decode(forged, key=key, algorithms=["RS256"])


@pytest.mark.parametrize("algorithm", ["HS256", "none", "RS512", "PS256"])
def test_the_private_instance_knows_no_algorithm_but_rs256(
    key_2048: rsa.RSAPrivateKey, algorithm: str
) -> None:
    token = jwt.encode({"sub": "u-1"}, "s" * 32, algorithm="HS256")
    header = b64url(f'{{"alg":"{algorithm}","typ":"JWT"}}'.encode())
    relabelled = header + token[token.index(".") :]
    key: Any = public_key_of(key_2048)

    with pytest.raises(InvalidAlgorithmError):
        rs256_jws().decode(relabelled, key=key, algorithms=[algorithm])


def test_the_private_instance_leaves_the_global_pyjwt_alone() -> None:
    rs256_jws()

    assert not isinstance(jwt.get_algorithm_by_name("RS256"), Rs256Verifier)


def test_signing_is_not_offered(key_2048: rsa.RSAPrivateKey) -> None:
    with pytest.raises(NotImplementedError):
        Rs256Verifier().sign(MESSAGE, public_key_of(key_2048))


def test_only_rsa_public_keys_or_jwks_are_accepted_as_keys() -> None:
    with pytest.raises(InvalidKeyError):
        Rs256Verifier().prepare_key("-----BEGIN PUBLIC KEY-----")
