"""The identity provider's signing keys: fetched from its JWKS URL once, refetched rarely."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from jwt.exceptions import InvalidKeyError

from adapters.tokens.rsa import ALGORITHM, RsaPublicKey
from ports.clock import Clock
from ports.tokens import InvalidToken

logger = logging.getLogger(__name__)

JwksFetch = Callable[[str, float], Mapping[str, Any]]
"""Reads a JWKS document: called with the URL and a timeout in seconds."""

REFETCH_INTERVAL = timedelta(seconds=60)
MAX_JWKS_BYTES = 256 * 1024
_READ_CHUNK = 16 * 1024


class JwksUnavailable(Exception):
    """The JWKS document could not be read or is not a JWKS."""


def fetch_jwks_over_http(url: str, timeout_seconds: float) -> Mapping[str, Any]:
    """The JWKS document at an http(s) URL, read within `timeout_seconds` in total."""
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise JwksUnavailable("the JWKS URL is not http or https")

    deadline = time.monotonic() + timeout_seconds
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    body = bytearray()
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
            while chunk := response.read(_READ_CHUNK):
                body.extend(chunk)
                if len(body) > MAX_JWKS_BYTES:
                    raise JwksUnavailable("the JWKS document is too large")
                if time.monotonic() > deadline:
                    raise JwksUnavailable("reading the JWKS document took too long")
        document = json.loads(body)
    except (OSError, ValueError) as error:
        raise JwksUnavailable(f"the JWKS document could not be read: {error}") from error

    if not isinstance(document, dict):
        raise JwksUnavailable("the JWKS document is not a JSON object")
    return document


class SigningKeys:
    """The RS256 keys of one JWKS URL, by key id.

    Loaded on first use and kept for the life of the process. A key id that is not known
    triggers a refetch (the provider may have rotated its keys), but at most one fetch
    happens per `REFETCH_INTERVAL`, whether it succeeds or not, so a flood of tokens naming
    made-up keys cannot hammer the provider or stall requests on its timeout.
    """

    def __init__(self, url: str, timeout_seconds: float, clock: Clock, fetch: JwksFetch) -> None:
        self._url = url
        self._timeout_seconds = timeout_seconds
        self._clock = clock
        self._fetch = fetch
        self._keys: dict[str, RsaPublicKey] = {}
        self._last_fetch: datetime | None = None
        self._lock = threading.Lock()

    def key_for(self, key_id: str) -> RsaPublicKey:
        """The key named `key_id`; raises `InvalidToken` when the JWKS does not hold it."""
        key = self._keys.get(key_id)
        if key is not None:
            return key

        with self._lock:
            key = self._keys.get(key_id)
            if key is None and self._may_fetch():
                self._refresh()
                key = self._keys.get(key_id)
        if key is None:
            raise InvalidToken("identity token names an unknown signing key")
        return key

    def _may_fetch(self) -> bool:
        last = self._last_fetch
        return last is None or self._clock.now() - last >= REFETCH_INTERVAL

    def _refresh(self) -> None:
        self._last_fetch = self._clock.now()
        try:
            document = self._fetch(self._url, self._timeout_seconds)
            keys = _rs256_keys(document)
        except Exception as error:  # the fetch is pluggable: any failure means no new keys
            logger.warning("identity signing keys unavailable: %s: %s", type(error).__name__, error)
            raise InvalidToken("identity signing keys are unavailable") from None
        self._keys = keys


def _rs256_keys(document: Mapping[str, Any]) -> dict[str, RsaPublicKey]:
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise JwksUnavailable("the JWKS document has no key list")

    keys: dict[str, RsaPublicKey] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not _is_rs256_signing_key(entry):
            continue
        try:
            keys[entry["kid"]] = RsaPublicKey.from_jwk(entry)
        except InvalidKeyError as error:
            logger.warning("skipping an unusable JWKS key: %s", error)
    return keys


def _is_rs256_signing_key(entry: Mapping[str, Any]) -> bool:
    return (
        isinstance(entry.get("kid"), str)
        and entry.get("kty") == "RSA"
        and entry.get("alg", ALGORITHM) == ALGORITHM
        and entry.get("use", "sig") == "sig"
    )
