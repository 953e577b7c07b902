"""Settings from the environment and SSM Parameter Store (moto): one call, cached, safe errors."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from moto import mock_aws

from adapters.ssm.config import SsmConfigSource, settings_from
from ports.config import ConfigurationError, SigningSecret

pytestmark = pytest.mark.aws

REGION = "us-east-1"
SECRET = "current-secret-value-0123456789-abcdef"
OLD_SECRET = "previous-secret-value-0123456789-abcdef"
API_KEY = "usage-plan-api-key-value-42"

ENVIRONMENT = {
    "STAGE": "dev",
    "USERS_TABLE": "dev-users",
    "MARKETS_TABLE": "dev-markets",
    "CAPABILITY_ISSUER": "market-api-dev",
    "CAPABILITY_SECRET_PARAMETER": "/market-api/dev/capability-secret",
    "API_KEY_PARAMETER": "/market-api/dev/api-key",
    "COGNITO_REGION": "eu-west-1",
    "COGNITO_USER_POOL_ID": "eu-west-1_Pool",
    "COGNITO_APP_CLIENT_ID": "client-1",
}
PREVIOUS = "/market-api/dev/capability-secret-previous"


class CountedSsm:
    """A moto-backed SSM client and the names of the operations it was asked to call."""

    def __init__(self) -> None:
        self.client = boto3.client("ssm", region_name=REGION)
        self.operations: list[str] = []
        self.client.meta.events.register("before-call.ssm.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.operations.append(model.name)

    def put(self, name: str, value: str, kind: str = "SecureString") -> None:
        self.client.put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)
        self.operations.clear()

    def put_secret(self, name: str, key_id: str, secret: str) -> None:
        self.put(name, json.dumps({"kid": key_id, "secret": secret}))


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountedSsm]:
    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(variable, value)
    with mock_aws():
        counted = CountedSsm()
        counted.put_secret(ENVIRONMENT["CAPABILITY_SECRET_PARAMETER"], "2026-12", SECRET)
        counted.put(ENVIRONMENT["API_KEY_PARAMETER"], API_KEY)
        yield counted


def source(ssm: CountedSsm, **changes: str | None) -> SsmConfigSource:
    environ = {**ENVIRONMENT, **changes}
    return SsmConfigSource(ssm.client, {k: v for k, v in environ.items() if v is not None})


def assert_no_value_in(error: ConfigurationError) -> None:
    for value in (SECRET, OLD_SECRET, API_KEY, "2026-12", "2026-11"):
        assert value not in str(error)


def test_settings_come_from_the_environment_and_decrypted_parameters(ssm: CountedSsm) -> None:
    settings = source(ssm).settings()

    assert (settings.stage, settings.users_table, settings.markets_table) == (
        "dev",
        "dev-users",
        "dev-markets",
    )
    assert settings.api_key == API_KEY
    assert settings.capability.issuer == "market-api-dev"
    assert settings.capability.current == SigningSecret("2026-12", SECRET.encode())
    assert settings.capability.previous is None
    assert settings.capability.algorithms == ("HS256",)


def test_every_parameter_is_read_in_one_get_parameters_call(ssm: CountedSsm) -> None:
    ssm.put_secret(PREVIOUS, "2026-11", OLD_SECRET)

    settings = source(ssm, CAPABILITY_PREVIOUS_SECRET_PARAMETER=PREVIOUS).settings()

    assert ssm.operations == ["GetParameters"]
    assert settings.capability.previous == SigningSecret("2026-11", OLD_SECRET.encode())


def test_settings_are_read_once_and_then_cached(ssm: CountedSsm) -> None:
    config = source(ssm)

    first = config.settings()
    second = config.settings()

    assert first is second
    assert ssm.operations == ["GetParameters"]


@pytest.mark.parametrize("kind", ["String", "SecureString"])
def test_the_api_key_may_be_a_plain_or_secure_string(ssm: CountedSsm, kind: str) -> None:
    ssm.put(ENVIRONMENT["API_KEY_PARAMETER"], API_KEY, kind)

    assert source(ssm).settings().api_key == API_KEY


@pytest.mark.parametrize("previous", [None, "", "  "])
def test_the_previous_secret_is_optional(ssm: CountedSsm, previous: str | None) -> None:
    settings = source(ssm, CAPABILITY_PREVIOUS_SECRET_PARAMETER=previous).settings()

    assert settings.capability.previous is None


def test_a_missing_parameter_is_named_in_the_error_without_any_value(ssm: CountedSsm) -> None:
    config = source(ssm, CAPABILITY_PREVIOUS_SECRET_PARAMETER=PREVIOUS)

    with pytest.raises(ConfigurationError, match=PREVIOUS) as caught:
        config.settings()

    assert ENVIRONMENT["API_KEY_PARAMETER"] not in str(caught.value)
    assert_no_value_in(caught.value)


def test_a_failed_read_is_not_cached(ssm: CountedSsm) -> None:
    config = source(ssm, CAPABILITY_PREVIOUS_SECRET_PARAMETER=PREVIOUS)
    with pytest.raises(ConfigurationError):
        config.settings()

    ssm.put_secret(PREVIOUS, "2026-11", OLD_SECRET)

    assert config.settings().capability.previous is not None


def test_a_blank_api_key_is_refused(ssm: CountedSsm) -> None:
    ssm.put(ENVIRONMENT["API_KEY_PARAMETER"], "   ")

    with pytest.raises(ConfigurationError, match="api-key is empty"):
        source(ssm).settings()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not json " + SECRET, "not JSON"),
        (json.dumps([SECRET]), "not a JSON object"),
        (json.dumps({"secret": SECRET}), "lacks a kid"),
        (json.dumps({"kid": " ", "secret": SECRET}), "lacks a kid"),
        (json.dumps({"kid": "2026-12"}), "lacks a secret"),
        (json.dumps({"kid": "2026-12", "secret": ""}), "lacks a secret"),
        (json.dumps({"kid": "2026-12", "secret": 12345}), "lacks a secret"),
        (json.dumps({"kid": "2026-12", "secret": SECRET[:31]}), "shorter than 32 bytes"),
    ],
)
def test_a_malformed_secret_is_refused_by_name(ssm: CountedSsm, value: str, reason: str) -> None:
    name = ENVIRONMENT["CAPABILITY_SECRET_PARAMETER"]
    ssm.put(name, value)

    with pytest.raises(ConfigurationError, match=reason) as caught:
        source(ssm).settings()

    assert name in str(caught.value)
    assert_no_value_in(caught.value)
    assert SECRET[:31] not in str(caught.value)


def test_a_malformed_previous_secret_is_refused_by_name(ssm: CountedSsm) -> None:
    ssm.put(PREVIOUS, "{broken")

    with pytest.raises(ConfigurationError, match=PREVIOUS):
        source(ssm, CAPABILITY_PREVIOUS_SECRET_PARAMETER=PREVIOUS).settings()


@pytest.mark.parametrize(
    "variable",
    [
        "STAGE",
        "USERS_TABLE",
        "MARKETS_TABLE",
        "CAPABILITY_ISSUER",
        "CAPABILITY_SECRET_PARAMETER",
        "API_KEY_PARAMETER",
        "COGNITO_REGION",
        "COGNITO_USER_POOL_ID",
        "COGNITO_APP_CLIENT_ID",
    ],
)
def test_a_missing_environment_variable_is_named(ssm: CountedSsm, variable: str) -> None:
    for missing in (None, ""):
        with pytest.raises(ConfigurationError, match=variable):
            source(ssm, **{variable: missing}).settings()


def test_access_failures_become_configuration_errors() -> None:
    class DeniedSsm:
        def get_parameters(self, *, Names: list[str], WithDecryption: bool) -> Mapping[str, Any]:
            raise PermissionError("AccessDeniedException")

    with pytest.raises(ConfigurationError, match="capability-secret"):
        SsmConfigSource(DeniedSsm(), ENVIRONMENT).settings()


def test_parameters_are_asked_for_together_and_decrypted() -> None:
    batches: list[list[str]] = []

    class RecordingSsm:
        def get_parameters(self, *, Names: list[str], WithDecryption: bool) -> Mapping[str, Any]:
            batches.append(Names)
            assert WithDecryption is True
            return {"Parameters": [], "InvalidParameters": []}

    config = SsmConfigSource(RecordingSsm(), ENVIRONMENT)
    with pytest.raises(ConfigurationError):
        config.settings()

    assert batches == [
        [ENVIRONMENT["CAPABILITY_SECRET_PARAMETER"], ENVIRONMENT["API_KEY_PARAMETER"]]
    ]


# settings_from: the pure part, shared with the local gateway.

VALUES = {
    ENVIRONMENT["CAPABILITY_SECRET_PARAMETER"]: json.dumps({"kid": "2026-12", "secret": SECRET}),
    ENVIRONMENT["API_KEY_PARAMETER"]: API_KEY,
}


def test_identity_settings_derive_from_the_cognito_pool() -> None:
    identity = settings_from(ENVIRONMENT, VALUES).identity

    assert identity.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool"
    assert identity.audience == "client-1"
    assert identity.jwks_url == (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool/.well-known/jwks.json"
    )


def test_explicit_identity_settings_win_over_the_cognito_pool() -> None:
    environ = {
        **ENVIRONMENT,
        "IDENTITY_ISSUER": "http://127.0.0.1:3000/dev-identity",
        "IDENTITY_AUDIENCE": "local",
    }
    for name in ("COGNITO_REGION", "COGNITO_USER_POOL_ID", "COGNITO_APP_CLIENT_ID"):
        del environ[name]

    identity = settings_from(environ, VALUES).identity

    assert identity.issuer == "http://127.0.0.1:3000/dev-identity"
    assert identity.audience == "local"
    assert identity.jwks_url == "http://127.0.0.1:3000/dev-identity/.well-known/jwks.json"

    custom = settings_from({**environ, "IDENTITY_JWKS_URL": "http://127.0.0.1:9/keys"}, VALUES)
    assert custom.identity.jwks_url == "http://127.0.0.1:9/keys"


def test_token_lifetimes_default_to_30_30_and_365_days() -> None:
    capability = settings_from(ENVIRONMENT, VALUES).capability

    assert (
        capability.account_token_days,
        capability.market_token_days,
        capability.invite_token_days,
    ) == (30, 30, 365)


def test_token_lifetimes_and_algorithms_come_from_the_environment() -> None:
    environ = {
        **ENVIRONMENT,
        "ACCOUNT_TOKEN_DAYS": "1",
        "MARKET_TOKEN_DAYS": "2",
        "INVITE_TOKEN_DAYS": "3",
        "CAPABILITY_ALGORITHMS": " HS512, HS256 ,",
    }

    capability = settings_from(environ, VALUES).capability

    assert (
        capability.account_token_days,
        capability.market_token_days,
        capability.invite_token_days,
    ) == (1, 2, 3)
    assert capability.algorithms == ("HS512", "HS256")


@pytest.mark.parametrize("days", ["0", "-3", "thirty", "1.5"])
def test_a_lifetime_that_is_not_a_positive_whole_number_is_refused(days: str) -> None:
    with pytest.raises(ConfigurationError, match="MARKET_TOKEN_DAYS") as caught:
        settings_from({**ENVIRONMENT, "MARKET_TOKEN_DAYS": days}, VALUES)

    assert days not in str(caught.value)


def test_a_parameter_that_was_not_read_is_named() -> None:
    secret_name = ENVIRONMENT["CAPABILITY_SECRET_PARAMETER"]

    with pytest.raises(ConfigurationError, match="api-key was not read"):
        settings_from(ENVIRONMENT, {secret_name: VALUES[secret_name]})


def test_an_empty_value_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="capability-secret is empty"):
        settings_from(ENVIRONMENT, {**VALUES, ENVIRONMENT["CAPABILITY_SECRET_PARAMETER"]: ""})


def test_settings_hide_the_secrets_from_their_repr() -> None:
    assert SECRET not in repr(settings_from(ENVIRONMENT, VALUES))
    assert API_KEY not in repr(settings_from(ENVIRONMENT, VALUES))
