"""Settings from the environment (parameter names) and SSM Parameter Store (secret values).

Only names and non-secret settings live in the Lambda environment; the secrets are read
from Parameter Store once per cold start, in a single `GetParameters` call, and cached.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ports.config import (
    CapabilitySettings,
    ConfigurationError,
    IdentitySettings,
    Settings,
    SigningSecret,
)

MIN_SECRET_BYTES = 32
MAX_NAMES_PER_CALL = 10  # the GetParameters limit
SECRET_PARAMETER = "CAPABILITY_SECRET_PARAMETER"
PREVIOUS_SECRET_PARAMETER = "CAPABILITY_PREVIOUS_SECRET_PARAMETER"
API_KEY_PARAMETER = "API_KEY_PARAMETER"
_DEFAULT_DAYS = {"ACCOUNT_TOKEN_DAYS": 30, "MARKET_TOKEN_DAYS": 30, "INVITE_TOKEN_DAYS": 365}


class SsmClient(Protocol):
    """The one call this adapter makes on a boto3 SSM client."""

    def get_parameters(self, *, Names: list[str], WithDecryption: bool) -> Mapping[str, Any]:
        """GetParameters, as boto3 spells it."""
        ...


class SsmConfigSource:
    """The `ConfigSource` of a deployed function: reads Parameter Store once, then caches."""

    def __init__(self, ssm_client: SsmClient, environ: Mapping[str, str]) -> None:
        self._ssm = ssm_client
        self._environ = environ
        self._settings: Settings | None = None
        self._lock = threading.Lock()

    def settings(self) -> Settings:
        """The settings, read on the first call; raises `ConfigurationError` if one is unusable."""
        with self._lock:
            if self._settings is None:
                values = self._read(parameter_names(self._environ))
                self._settings = settings_from(self._environ, values)
            return self._settings

    def _read(self, names: Sequence[str]) -> dict[str, str]:
        values: dict[str, str] = {}
        for start in range(0, len(names), MAX_NAMES_PER_CALL):
            batch = list(names[start : start + MAX_NAMES_PER_CALL])
            try:
                answer = self._ssm.get_parameters(Names=batch, WithDecryption=True)
            except Exception as error:  # botocore's errors; their messages hold no values
                raise ConfigurationError(
                    f"reading SSM parameters {batch} failed: {type(error).__name__}"
                ) from error
            missing = answer.get("InvalidParameters") or []
            if missing:
                raise ConfigurationError(f"SSM parameters not found: {sorted(missing)}")
            for parameter in answer.get("Parameters", []):
                value = parameter.get("Value", "")
                values[parameter["Name"]] = value
                if "ARN" in parameter:  # the environment may name a parameter by its ARN
                    values[parameter["ARN"]] = value
        return values


def parameter_names(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The names of the SSM parameters the environment points at, in a stable order."""
    names = [_required(environ, SECRET_PARAMETER), _required(environ, API_KEY_PARAMETER)]
    previous = environ.get(PREVIOUS_SECRET_PARAMETER, "").strip()
    if previous:
        names.append(previous)
    return tuple(dict.fromkeys(names))


def settings_from(environ: Mapping[str, str], parameter_values: Mapping[str, str]) -> Settings:
    """Settings from environment variables and already-read parameter values, by name.

    Raises `ConfigurationError` naming the variable or parameter at fault, never its value.
    """
    previous_name = environ.get(PREVIOUS_SECRET_PARAMETER, "").strip()
    capability = CapabilitySettings(
        issuer=_required(environ, "CAPABILITY_ISSUER"),
        current=_secret(parameter_values, _required(environ, SECRET_PARAMETER)),
        previous=_secret(parameter_values, previous_name) if previous_name else None,
        algorithms=_algorithms(environ),
        account_token_days=_days(environ, "ACCOUNT_TOKEN_DAYS"),
        market_token_days=_days(environ, "MARKET_TOKEN_DAYS"),
        invite_token_days=_days(environ, "INVITE_TOKEN_DAYS"),
    )
    return Settings(
        stage=_required(environ, "STAGE"),
        users_table=_required(environ, "USERS_TABLE"),
        markets_table=_required(environ, "MARKETS_TABLE"),
        capability=capability,
        identity=_identity(environ),
        api_key=_value(parameter_values, _required(environ, API_KEY_PARAMETER)),
    )


def _identity(environ: Mapping[str, str]) -> IdentitySettings:
    issuer = environ.get("IDENTITY_ISSUER", "").strip()
    if not issuer:
        region = _required(environ, "COGNITO_REGION", "IDENTITY_ISSUER")
        pool = _required(environ, "COGNITO_USER_POOL_ID", "IDENTITY_ISSUER")
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool}"

    audience = environ.get("IDENTITY_AUDIENCE", "").strip()
    if not audience:
        audience = _required(environ, "COGNITO_APP_CLIENT_ID", "IDENTITY_AUDIENCE")

    jwks_url = environ.get("IDENTITY_JWKS_URL", "").strip()
    if not jwks_url:
        jwks_url = issuer.rstrip("/") + "/.well-known/jwks.json"
    return IdentitySettings(issuer=issuer, audience=audience, jwks_url=jwks_url)


def _required(environ: Mapping[str, str], name: str, instead_of: str | None = None) -> str:
    value = environ.get(name, "").strip()
    if not value:
        alternative = f" (or {instead_of})" if instead_of else ""
        raise ConfigurationError(f"environment variable {name}{alternative} is not set")
    return value


def _algorithms(environ: Mapping[str, str]) -> tuple[str, ...]:
    names = environ.get("CAPABILITY_ALGORITHMS", "").strip() or "HS256"
    algorithms = tuple(name.strip() for name in names.split(",") if name.strip())
    if not algorithms:
        raise ConfigurationError("environment variable CAPABILITY_ALGORITHMS names no algorithm")
    return algorithms


def _days(environ: Mapping[str, str], name: str) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return _DEFAULT_DAYS[name]
    try:
        days = int(text)
    except ValueError:
        raise ConfigurationError(f"environment variable {name} is not a whole number") from None
    if days < 1:
        raise ConfigurationError(f"environment variable {name} must be at least 1")
    return days


def _value(parameter_values: Mapping[str, str], name: str) -> str:
    value = parameter_values.get(name)
    if value is None:
        raise ConfigurationError(f"SSM parameter {name} was not read")
    if not value.strip():
        raise ConfigurationError(f"SSM parameter {name} is empty")
    return value.strip()


def _secret(parameter_values: Mapping[str, str], name: str) -> SigningSecret:
    value = _value(parameter_values, name)
    try:
        document = json.loads(value)
    except ValueError:
        raise ConfigurationError(f"SSM parameter {name} is not JSON") from None
    if not isinstance(document, dict):
        raise ConfigurationError(f"SSM parameter {name} is not a JSON object")

    key_id = document.get("kid")
    secret = document.get("secret")
    if not isinstance(key_id, str) or not key_id.strip():
        raise ConfigurationError(f"SSM parameter {name} lacks a kid")
    if not isinstance(secret, str) or not secret:
        raise ConfigurationError(f"SSM parameter {name} lacks a secret")
    secret_bytes = secret.encode("utf-8")
    if len(secret_bytes) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"SSM parameter {name} holds a secret shorter than {MIN_SECRET_BYTES} bytes"
        )
    return SigningSecret(key_id=key_id.strip(), secret=secret_bytes)
