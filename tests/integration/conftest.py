"""Shared fixtures of the integration tests: AWS faked by moto, tables made from the deployment.

- `aws_environment`: fake credentials and region, no profile, and the endpoint mode that
  DynamoDB Streams needs under `mock_aws` with botocore >= 1.44.
- `deployment_spec`: deploy/serverless.yml resolved for the dev stage.
- `table_names`: the users and markets table names the functions get in their environment.
- `dynamodb_client`: a low-level client, under `mock_aws`, with every table of the deployment
  created from its declaration; `dynamodb_resource` the resource layer on the same mock.
- `request_counter`: counts the API calls made through a client, by operation.
- `moto_server`: a moto server on 127.0.0.1 (a free port) that applies one request at a
  time, as DynamoDB applies a conditional write atomically; `server_client` a client of it
  with the deployment's tables.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from adapters.deployment.model import DeploymentSpec
from adapters.deployment.spec import load_spec

REGION = "us-east-1"
STAGE = "dev"


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials and region that can only ever reach a fake."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")


@pytest.fixture(scope="session")
def deployment_spec() -> DeploymentSpec:
    """The deployment of the dev stage, as the tests and the local gateway read it."""
    return load_spec(stage=STAGE, region=REGION)


@dataclass(frozen=True)
class TableNames:
    """The deployed names of the two tables."""

    users: str
    markets: str


@pytest.fixture(scope="session")
def table_names(deployment_spec: DeploymentSpec) -> TableNames:
    """The table names the functions receive in their environment."""
    environment = deployment_spec.environment
    return TableNames(environment["USERS_TABLE"], environment["MARKETS_TABLE"])


@pytest.fixture
def mocked_aws(aws_environment: None) -> Iterator[None]:
    """Every AWS call in the test goes to moto's in-process backends."""
    with mock_aws():
        yield


def _no_retries() -> Any:
    from botocore.config import Config

    # As in production (adapters/dynamodb/client.py): the adapter does its own retrying.
    return Config(retries={"mode": "standard", "total_max_attempts": 1}, max_pool_connections=32)


@pytest.fixture
def dynamodb_client(mocked_aws: None, deployment_spec: DeploymentSpec) -> Any:
    """A DynamoDB client on moto, botocore retries off, with the deployment's tables created."""
    client = boto3.client("dynamodb", region_name=REGION, config=_no_retries())
    deployment_spec.create_tables(client)
    return client


@pytest.fixture
def dynamodb_resource(dynamodb_client: Any) -> Any:
    """The boto3 resource layer over the same mocked tables."""
    return boto3.resource("dynamodb", region_name=REGION)


class RequestCounter:
    """Counts the API calls made through the clients it watches (retries of one call too)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def watch(self, client: Any) -> Any:
        """Count every call `client` makes from now on; returns the client."""
        service = client.meta.service_model.service_name
        client.meta.events.register(f"before-call.{service}", self._count)
        return client

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1

    @property
    def total(self) -> int:
        """How many calls were made since the last reset."""
        return sum(self.calls.values())

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self.calls.clear()

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        """The calls made inside the block, by operation (filled in when the block ends)."""
        self.reset()
        seen: Counter[str] = Counter()
        try:
            yield seen
        finally:
            seen.update(self.calls)


@pytest.fixture
def request_counter(dynamodb_client: Any) -> RequestCounter:
    """A counter already watching `dynamodb_client`."""
    counter = RequestCounter()
    counter.watch(dynamodb_client)
    return counter


class SerialMotoServer(ThreadedMotoServer):
    """moto's server, handing its backend one request at a time.

    moto's backends are not atomic across threads; DynamoDB's conditional writes are. The
    HTTP side stays threaded; only the backend work is serialised.
    """

    def _server_entry(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = DomainDispatcherApplication(create_backend_app)
        lock = threading.Lock()

        def serial(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            with lock:
                return list(app(environ, start_response))

        self._server = make_server(
            self._ip_address, self._port, serial, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


@pytest.fixture
def moto_server(aws_environment: None) -> Iterator[str]:
    """The endpoint URL of a fresh moto server on a free local port."""
    server = SerialMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # The server keeps its state in the process-wide moto backends: start and end clean.
    _reset(url)
    try:
        yield url
    finally:
        _reset(url)
        server.stop()


def _reset(url: str) -> None:
    from urllib.request import Request, urlopen

    with urlopen(Request(f"{url}/moto-api/reset", method="POST"), timeout=10):
        pass


@pytest.fixture
def server_client(moto_server: str, deployment_spec: DeploymentSpec) -> Any:
    """A client of the moto server, botocore retries off, with the deployment's tables."""
    client = boto3.client(
        "dynamodb", region_name=REGION, endpoint_url=moto_server, config=_no_retries()
    )
    deployment_spec.create_tables(client)
    return client
