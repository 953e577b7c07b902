"""What a deployment is made of, as typed values: tables, functions and their events, the API.

Every value is resolved for one stage; `raw` fields keep the resolved source mapping for
settings these types do not name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A DynamoDB table of the stack, as CloudFormation declares it."""

    logical_name: str
    name: str
    key_schema: tuple[Mapping[str, str], ...]
    attribute_definitions: tuple[Mapping[str, str], ...]
    global_secondary_indexes: tuple[Mapping[str, Any], ...] = ()
    stream_view_type: str | None = None
    ttl_attribute: str | None = None
    billing_mode: str = "PAY_PER_REQUEST"
    provisioned_throughput: Mapping[str, int] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def stream_specification(self) -> dict[str, Any] | None:
        """The table's StreamSpecification in the form of the DynamoDB API."""
        if self.stream_view_type is None:
            return None
        return {"StreamEnabled": True, "StreamViewType": self.stream_view_type}

    @property
    def time_to_live_specification(self) -> dict[str, Any] | None:
        """The table's TimeToLiveSpecification in the form of the DynamoDB API."""
        if self.ttl_attribute is None:
            return None
        return {"Enabled": True, "AttributeName": self.ttl_attribute}


@dataclass(frozen=True, slots=True)
class AuthorizerSpec:
    """A Lambda authorizer in front of HTTP routes."""

    name: str
    type: str = "token"
    identity_source: str = "method.request.header.Authorization"
    result_ttl_seconds: int = 300
    arn: Any = None


@dataclass(frozen=True, slots=True)
class CorsSpec:
    """The CORS settings of a route."""

    origins: tuple[str, ...] = ("*",)
    headers: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None


@dataclass(frozen=True, slots=True)
class HttpEvent:
    """An API Gateway (REST) route of a function."""

    method: str
    path: str
    private: bool = False
    cors: CorsSpec | None = None
    authorizer: AuthorizerSpec | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """A stream trigger: which stream, batching, retries and the failure destination."""

    arn: Any
    table: str | None
    type: str = "dynamodb"
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    enabled: bool = True
    maximum_retry_attempts: int | None = None
    maximum_record_age_seconds: int | None = None
    bisect_batch_on_function_error: bool = False
    function_response_type: str | None = None
    maximum_batching_window_seconds: int | None = None
    parallelization_factor: int | None = None
    on_failure: Any = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScheduleEvent:
    """A schedule trigger: rate or cron expressions and the input sent."""

    rates: tuple[str, ...]
    enabled: bool = True
    input: Any = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A Lambda function: its handler, environment and events."""

    name: str
    handler: str
    environment: Mapping[str, str] = field(default_factory=dict)
    http: tuple[HttpEvent, ...] = ()
    streams: tuple[StreamEvent, ...] = ()
    schedules: tuple[ScheduleEvent, ...] = ()
    timeout: int | None = None
    memory_size: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> str:
        """The handler's module as a dotted import path."""
        path = self.handler.rsplit(".", 1)[0]
        return path.removesuffix(".py").replace("/", ".")

    @property
    def attribute(self) -> str:
        """The handler's function name within its module."""
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True, slots=True)
class UsagePlanSpec:
    """A usage plan: daily (or other period) quota and throttle."""

    name: str | None
    quota_limit: int | None = None
    quota_period: str | None = None
    quota_offset: int | None = None
    throttle_burst_limit: int | None = None
    throttle_rate_limit: float | None = None


@dataclass(frozen=True, slots=True)
class ApiKeySpec:
    """An API key of the usage plan (its value may be a deploy-time reference)."""

    name: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class DeploymentSpec:
    """The whole deployment of one stage in one region."""

    service: str
    stage: str
    region: str
    params: Mapping[str, Any]
    environment: Mapping[str, str]
    functions: Mapping[str, FunctionSpec]
    tables: Mapping[str, TableSpec]
    usage_plans: tuple[UsagePlanSpec, ...] = ()
    api_keys: tuple[ApiKeySpec, ...] = ()
    api_key_source_type: str | None = None
    resources: Mapping[str, Any] = field(default_factory=dict)
    document: Mapping[str, Any] = field(default_factory=dict)

    @property
    def authorizers(self) -> dict[str, AuthorizerSpec]:
        """Every authorizer the routes use, by name."""
        return {
            event.authorizer.name: event.authorizer
            for function in self.functions.values()
            for event in function.http
            if event.authorizer is not None
        }

    @property
    def routes(self) -> list[tuple[FunctionSpec, HttpEvent]]:
        """Every HTTP route with the function behind it."""
        return [(f, event) for f in self.functions.values() for event in f.http]

    def table(self, logical_name: str) -> TableSpec:
        """A table by its logical id in the template."""
        return self.tables[logical_name]

    def table_named(self, name: str) -> TableSpec:
        """A table by its deployed name."""
        for table in self.tables.values():
            if table.name == name:
                return table
        raise KeyError(f"no table named {name!r}")

    def create_tables(self, client: Any) -> None:
        """Create every table in a (local or mocked) DynamoDB exactly as declared."""
        from adapters.deployment.tables import create_tables

        create_tables(client, self.tables.values())
