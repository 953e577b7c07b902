"""The functions imported in the test process, on moto, their AWS calls recorded.

Nothing is overridden in the composition root: the functions read the environment the
template gives them, their settings from SSM and their tables through the DynamoDB adapter,
exactly as deployed; only the endpoints are moto's and the identity provider a local one.
Each invocation is a cold start (`reset_singletons`), as if every call met a new instance,
so each function's own reads of its configuration are seen.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from dependency_injector import providers
from moto import mock_aws

from adapters.aws_lambda.container import container
from tests.integration.package_support import aws
from tests.integration.package_support.scenario import Outcome, Scenario
from tests.integration.package_support.template import Template
from tests.support.events import schedule_event

REGION = "us-east-1"


class LaterClock:
    """The wall clock, moved forward: investments look old to the expiry schedule."""

    def __init__(self, ahead: timedelta) -> None:
        self._ahead = ahead

    def now(self) -> datetime:
        """The current instant plus the offset."""
        return datetime.now(UTC) + self._ahead


@dataclass
class InProcessLambdas:
    """Invokes the template's handlers in this process, attributing their AWS calls."""

    template: Template
    recorder: aws.CallRecorder
    first_events: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def __call__(self, function: str, event: Mapping[str, Any]) -> Outcome:
        definition = self.template.functions[function]
        module = importlib.import_module(definition.module)
        handler = getattr(module, definition.handler.rsplit(".", 1)[1])
        container.reset_singletons()
        with self.recorder.acting_as(function):
            try:
                # Lambda hands the caller the answer as JSON.
                outcome = Outcome(value=json.loads(json.dumps(handler(dict(event), None))))
            except Exception as error:
                outcome = Outcome(error=f"{type(error).__name__}: {error}")
        if function not in self.first_events and _succeeded(outcome):
            self.first_events[function] = event
        return outcome


def _succeeded(outcome: Outcome) -> bool:
    value = outcome.value
    if outcome.error is not None or value == {"warm": True}:
        return False
    return not (isinstance(value, dict) and "statusCode" in value and outcome.status >= 400)


@dataclass
class Recording:
    """What the scenario's functions called, and the scenario itself."""

    recorder: aws.CallRecorder
    scenario: Scenario
    rotation_outcomes: dict[str, Outcome]
    expiry: Outcome


@contextmanager
def aws_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """The process environment a function sees, fake credentials and moto in place of AWS."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_") or name == "DYNAMODB_ENDPOINT_URL":
                patch.delenv(name)
        for name, value in variables.items():
            patch.setenv(name, value)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_SESSION_TOKEN", "testing")
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("AWS_REGION", REGION)
        # DynamoDB Streams under mock_aws with botocore >= 1.44 (see tests/integration/conftest).
        patch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        yield


def shared_session() -> Any:
    """The botocore session the functions make their clients from, when the code has one
    (`adapters.aws_session`) rather than using boto3's default session. A botocore session
    registers event handlers itself, as an event system does."""
    if importlib.util.find_spec("adapters.aws_session") is None:
        return None
    return importlib.import_module("adapters.aws_session").session()


def record(template: Template) -> Recording:
    """Run the scenario in-process against moto and return every AWS call it caused.

    After the scenario: the expiry schedule runs again three days later (so it expires
    something), the consumer takes what that wrote, and every function meets its first
    event again during a rotation of the capability secret (the previous secret named too).
    """
    recorder = aws.CallRecorder()
    identity = aws.IdentityProvider()
    shared = None
    # Every function shares the provider's environment; the first one stands for all of them.
    environment = template.environment(next(iter(template.functions)))
    environment |= identity.environment
    try:
        with aws_environment(environment), mock_aws():
            boto3.setup_default_session()
            recorder.register(boto3.DEFAULT_SESSION.events)
            shared = shared_session()
            if shared is not None:
                recorder.register(shared)
            dynamodb = boto3.client("dynamodb", region_name=REGION)
            aws.create_tables(dynamodb, template)
            rotation = aws.seed_parameters(boto3.client("ssm", region_name=REGION), environment)
            markets = environment["MARKETS_TABLE"]
            streams = aws.StreamRecords(dynamodb, boto3.client("dynamodbstreams"), markets)

            lambdas = InProcessLambdas(template, recorder)
            container.reset_override()
            scenario = Scenario(lambdas, identity.id_token, streams.batches, template.functions)
            scenario.run()
            if scenario.stopped:
                raise AssertionError(f"the scenario stopped: {scenario.stopped}")

            container.clock.override(providers.Object(LaterClock(timedelta(days=3))))
            try:
                expiry = lambdas("expire_investments", schedule_event())
            finally:
                container.clock.reset_override()
            scenario.consume_stream("consume what the expiry wrote")

            os.environ.update(rotation)
            rotated = {
                function: lambdas(function, event)
                for function, event in lambdas.first_events.items()
            }
        return Recording(recorder, scenario, rotated, expiry)
    finally:
        if shared is not None:
            recorder.unregister(shared)
        container.reset_override()
        container.reset_singletons()
        boto3.DEFAULT_SESSION = None
        identity.close()
