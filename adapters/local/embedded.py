"""The AWS the functions talk to: DynamoDB and SSM embedded with moto (the default), another
DynamoDB at an endpoint with SSM still embedded, or real AWS from the environment.

Embedded, it creates the deployment's tables (streams on), seeds the SSM parameters the
environment names and resolves the usage plan's API keys from them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.deployment.model import DeploymentSpec
from adapters.local import backend_gate

_SSM_REFERENCE = re.compile(r"^\{\{resolve:ssm(?:-secure)?:([^:}]+)(?::\d+)?\}\}$")
EMBEDDED, ENDPOINT, REAL = "embedded", "endpoint", "aws"
_STEERING = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
    "AWS_ENDPOINT_URL_SSM",
)


class LocalAws:
    """Starts the chosen backend and hands out clients of it."""

    def __init__(self, region: str, dynamodb_endpoint: str | None = None, real: bool = False):
        self.region = region
        self.dynamodb_endpoint = dynamodb_endpoint
        self.mode = REAL if real else ENDPOINT if dynamodb_endpoint else EMBEDDED
        self.gate: backend_gate.BackendGate | None = None
        self._mock: Any = None

    def start(self) -> None:
        """Start moto (unless on real AWS) and the gate in front of every botocore call."""
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = self.region
        stubber = None
        if self.mode != REAL:
            # Nothing from a developer's own AWS set-up may steer a call away from moto.
            for name in _STEERING:
                os.environ.pop(name, None)
            # DynamoDB Streams calls under moto need this with botocore >= 1.44.
            os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
            from moto import mock_aws
            from moto.core.models import botocore_stubber

            stubber = botocore_stubber
            self.gate = backend_gate.install(stubber)
            self._mock = mock_aws()
            self._mock.start()
        else:
            self.gate = backend_gate.install(None)
        import boto3

        boto3.DEFAULT_SESSION = None  # sessions made from now on carry the gate

    def stop(self) -> None:
        """Stop moto and remove the gate."""
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if self.gate is not None:
            backend_gate.uninstall(self.gate)

    def client(self, service: str) -> Any:
        """A client of `service` in this backend."""
        import boto3

        endpoint = None
        if service in ("dynamodb", "dynamodbstreams") and self.mode == ENDPOINT:
            endpoint = self.dynamodb_endpoint
        return boto3.client(service, region_name=self.region, endpoint_url=endpoint)

    def prepare(self, spec: DeploymentSpec, environment: Mapping[str, str]) -> list[str]:
        """Tables and parameters ready for the functions; returns the usage plan's API keys."""
        dynamodb = self.client("dynamodb")
        ssm = self.client("ssm")
        if self.mode == EMBEDDED:
            spec.create_tables(dynamodb)
        elif self.mode == ENDPOINT:
            _create_missing_tables(dynamodb, spec)
        else:
            for table in spec.tables.values():
                dynamodb.describe_table(TableName=table.name)  # raises when it is not there
        if self.mode != REAL:
            seed_parameters(ssm, environment)
        return [resolve_key(ssm, key.value) for key in spec.api_keys if key.value is not None] or [
            _read_parameter(ssm, environment["API_KEY_PARAMETER"])
        ]

    def stream_arn(self, table_name: str) -> str | None:
        """The latest stream of a table."""
        table = self.client("dynamodb").describe_table(TableName=table_name)["Table"]
        arn: str | None = table.get("LatestStreamArn")
        return arn

    def trim_stream_iterators(self, keep: int = 64) -> None:
        """Forget moto's old shard iterators (it keeps every one it ever handed out)."""
        if self.mode != EMBEDDED or self.gate is None:
            return
        from moto.dynamodbstreams.models import dynamodbstreams_backends

        with self.gate.lock:
            for regions in dynamodbstreams_backends.values():
                for backend in regions.values():
                    iterators = backend.shard_iterators
                    for arn in list(iterators)[:-keep]:
                        del iterators[arn]


def seed_parameters(ssm: Any, environment: Mapping[str, str]) -> None:
    """The capability secret(s) and the API key, at the names the environment gives."""
    stamp = datetime.now(UTC).strftime("local-%Y%m%d%H%M%S")
    for variable, key_id in (
        ("CAPABILITY_SECRET_PARAMETER", stamp),
        ("CAPABILITY_PREVIOUS_SECRET_PARAMETER", "local-previous"),
    ):
        name = environment.get(variable, "").strip()
        if name:
            value = json.dumps({"kid": key_id, "secret": secrets.token_urlsafe(48)})
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    api_key = environment.get("API_KEY_PARAMETER", "").strip()
    if api_key:
        value = "local-" + secrets.token_urlsafe(30)
        ssm.put_parameter(Name=api_key, Value=value, Type="String", Overwrite=True)


def resolve_key(ssm: Any, value: str) -> str:
    """An API key's value; a `{{resolve:ssm:...}}` reference is read from SSM."""
    found = _SSM_REFERENCE.match(value.strip())
    return _read_parameter(ssm, found.group(1)) if found else value


def _read_parameter(ssm: Any, name: str) -> str:
    value: str = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    return value


def _create_missing_tables(dynamodb: Any, spec: DeploymentSpec) -> None:
    from adapters.deployment.tables import create_table_request

    existing = set(dynamodb.list_tables().get("TableNames", []))
    for table in spec.tables.values():
        if table.name not in existing:
            dynamodb.create_table(**create_table_request(table))
