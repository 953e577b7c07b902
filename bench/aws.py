"""The AWS a benchmarked function sees: a moto server, fake credentials, the deployed
environment (table names, parameter names, issuer) and the SSM parameters it names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from typing import Any
from urllib.request import Request, urlopen

from bench.paths import ROOT

REGION = "us-east-1"
SECRET = "bench-capability-secret-0123456789abcdef0123456789"
KEY_ID = "bench"
API_KEY = "bench-usage-plan-key-0123456789"

# Credentials and settings that can only ever reach the fake; no profile, no config file,
# as in a Lambda sandbox where credentials come from the environment.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def deployed_environment(stage: str) -> dict[str, str]:
    """The environment deploy/serverless.yml gives every function of `stage`."""
    from adapters.deployment.spec import load_spec

    environment = dict(load_spec(stage=stage, region=REGION).environment)
    return {name: value for name, value in environment.items() if value != ""}


def lambda_environment(stage: str, endpoint: str, function: str) -> dict[str, str]:
    """What a deployed function's process has, pointed at `endpoint` for every AWS call."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ")
    base = {name: os.environ[name] for name in keep if name in os.environ}
    return {
        **base,
        **FAKE_AWS,
        **deployed_environment(stage),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": f"market-api-{stage}-{function}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only: no .pyc is ever written
    }


def seed_parameters(ssm: Any, environment: Mapping[str, str]) -> None:
    """The capability secret and the API key at the names the environment gives."""
    secret = json.dumps({"kid": KEY_ID, "secret": SECRET})
    ssm.put_parameter(
        Name=environment["CAPABILITY_SECRET_PARAMETER"],
        Value=secret,
        Type="SecureString",
        Overwrite=True,
    )
    ssm.put_parameter(
        Name=environment["API_KEY_PARAMETER"], Value=API_KEY, Type="String", Overwrite=True
    )


class MotoServer:
    """A moto server in a child process (bench/motoserver.py), on a free port."""

    def __init__(self) -> None:
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> MotoServer:
        environment = {**os.environ, **FAKE_AWS}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.motoserver"],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("ready "):
            self.__exit__()
            raise RuntimeError(f"the moto server did not start: {line!r}")
        self.url = line.split(" ", 1)[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def reset(self) -> None:
        """Forget every table and parameter."""
        with urlopen(Request(f"{self.url}/moto-api/reset", method="POST"), timeout=10):
            pass

    def client(self, service: str) -> Any:
        """A boto3 client of this server."""
        import boto3

        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=self.url,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )

    def prepare(self, stage: str, tables: bool = False) -> dict[str, str]:
        """Seed the parameters (and create the tables) of `stage`; returns its environment."""
        environment = deployed_environment(stage)
        seed_parameters(self.client("ssm"), environment)
        if tables:
            from adapters.deployment.spec import load_spec

            load_spec(stage=stage, region=REGION).create_tables(self.client("dynamodb"))
        return environment
