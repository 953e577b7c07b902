"""The AWS side of a run: tables and parameters made from the template, an identity provider
publishing its keys over HTTP, stream records as Lambda delivers them, and a recorder of the
calls the functions make, with the IAM actions each call needs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.integration.package_support.template import Template
from tests.support.harness import identity_provider

CAPABILITY_SECRET = {"kid": "package-test-1", "secret": "a-capability-secret-for-the-package-tests"}
PREVIOUS_SECRET = {"kid": "package-test-0", "secret": "the-previous-secret-for-the-package-tests"}
API_KEY = "packageTestUsagePlanKey0123456789"
ID_AUDIENCE = "market-api-package-test"


def create_tables(client: Any, template: Template) -> None:
    """Every table of the template, with its keys, indexes, stream and TTL."""
    for properties in template.tables.values():
        options: dict[str, Any] = {
            "TableName": properties["TableName"],
            "KeySchema": properties["KeySchema"],
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if properties.get("GlobalSecondaryIndexes"):
            options["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
        stream = properties.get("StreamSpecification")
        if stream:
            options["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": stream["StreamViewType"],
            }
        client.create_table(**options)
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(
                TableName=properties["TableName"],
                TimeToLiveSpecification={
                    "AttributeName": ttl["AttributeName"],
                    "Enabled": bool(ttl["Enabled"]),
                },
            )


def seed_parameters(client: Any, environment: Mapping[str, str]) -> dict[str, str]:
    """The SSM parameters the environment names, as the deploy guide creates them.

    Returns the name of the previous-secret parameter, stored too so a rotation can be tried.
    """
    secret_name = environment["CAPABILITY_SECRET_PARAMETER"]
    folder = secret_name.rsplit("/", 1)[0]
    parameters = {
        secret_name: ("SecureString", json.dumps(CAPABILITY_SECRET)),
        environment["API_KEY_PARAMETER"]: ("String", API_KEY),
        f"{folder}/capability-previous-secret": ("SecureString", json.dumps(PREVIOUS_SECRET)),
    }
    for name, (kind, value) in parameters.items():
        client.put_parameter(Name=name, Type=kind, Value=value, Overwrite=True)
    return {"CAPABILITY_PREVIOUS_SECRET_PARAMETER": f"{folder}/capability-previous-secret"}


class IdentityProvider:
    """The development identity provider, its JWKS served on 127.0.0.1 for the functions."""

    def __init__(self) -> None:
        self._provider = identity_provider()
        document = json.dumps(self._provider.jwks()).encode()

        class Jwks(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path == "/.well-known/jwks.json"
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(document if found else b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.issuer = f"http://{host}:{port}"

    @property
    def environment(self) -> dict[str, str]:
        """What makes the configuration adapter trust this provider instead of Cognito."""
        return {
            "IDENTITY_ISSUER": self.issuer,
            "IDENTITY_AUDIENCE": ID_AUDIENCE,
            "IDENTITY_JWKS_URL": f"{self.issuer}/.well-known/jwks.json",
        }

    def id_token(self, email: str) -> str:
        """A Cognito-shaped ID token for `email`."""
        return self._provider.issue(
            email, email.split("@")[0], audience=ID_AUDIENCE, issuer=self.issuer
        )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class StreamRecords:
    """Reads a table's stream from where it last stopped, shaped as Lambda's event records."""

    def __init__(self, dynamodb: Any, streams: Any, table: str) -> None:
        self._streams = streams
        self._arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        self._iterators: dict[str, str] = {}

    def batches(self, size: int = 100) -> list[list[dict[str, Any]]]:
        """The new records, in batches of at most `size` as the event source mapping sends them."""
        records = [self._as_lambda_record(record) for record in self._read()]
        return [records[start : start + size] for start in range(0, len(records), size)]

    def _read(self) -> Iterator[dict[str, Any]]:
        description = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            iterator = (
                self._iterators.get(shard_id)
                or self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            while iterator:
                page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                yield from page["Records"]
                self._iterators[shard_id] = page.get("NextShardIterator") or iterator
                if not page["Records"]:
                    break
                iterator = page.get("NextShardIterator")

    def _as_lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        return {**record, "dynamodb": change, "eventSourceARN": self._arn}


# --- what the functions call -------------------------------------------------------------------


@dataclass(frozen=True)
class AwsCall:
    """One API call a function made: the service, the operation and the request's JSON body."""

    function: str
    service: str
    operation: str
    request: Mapping[str, Any]


class CallRecorder:
    """A botocore `before-call` hook that notes every call and the function that made it.

    Calls made while no function runs (the test's own reads) are noted under "".
    """

    def __init__(self) -> None:
        self.calls: list[AwsCall] = []
        self._function = ""
        self._lock = threading.Lock()

    def register(self, events: Any) -> None:
        """Hook into an event system: a session's (or a botocore session itself), before it
        makes clients, or a client's."""
        events.register("before-call", self._note)

    def unregister(self, events: Any) -> None:
        """Unhook from an event system (clients made meanwhile keep their copy of the hook)."""
        events.unregister("before-call", self._note)

    @contextmanager
    def acting_as(self, function: str) -> Iterator[None]:
        """Attribute the calls made in the block (from any thread) to `function`."""
        self._function = function
        try:
            yield
        finally:
            self._function = ""

    def _note(self, model: Any, params: Mapping[str, Any], **_: Any) -> None:
        body = params.get("body") or b"{}"
        request = json.loads(body.decode() if isinstance(body, bytes) else body)
        call = AwsCall(self._function, model.service_model.service_name, model.name, request)
        with self._lock:
            self.calls.append(call)

    def of(self, function: str) -> list[AwsCall]:
        """The calls `function` made."""
        return [call for call in self.calls if call.function == function]


# A transaction is authorised item by item, with the action of each item's kind.
TRANSACT_WRITE_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
SINGLE_TABLE_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"}


def iam_needs(call: AwsCall, table_ids: Mapping[str, str]) -> set[tuple[str, str]]:
    """(action, resource) pairs IAM checks for `call`, resources named as `Template.describe`."""

    def table(name: str, index: str | None = None) -> str:
        described = f"table/{table_ids.get(name, 'unknown:' + name)}"
        return f"{described}/index/{index}" if index else described

    request = call.request
    if call.service == "dynamodb":
        if call.operation in SINGLE_TABLE_OPERATIONS:
            resource = table(request["TableName"], request.get("IndexName"))
            return {(f"dynamodb:{call.operation}", resource)}
        if call.operation in ("BatchGetItem", "BatchWriteItem"):
            return {(f"dynamodb:{call.operation}", table(name)) for name in request["RequestItems"]}
        if call.operation == "TransactWriteItems":
            return {
                (TRANSACT_WRITE_ACTIONS[kind], table(body["TableName"]))
                for item in request["TransactItems"]
                for kind, body in item.items()
            }
        if call.operation == "TransactGetItems":
            return {
                ("dynamodb:GetItem", table(item["Get"]["TableName"]))
                for item in request["TransactItems"]
            }
    if call.service == "ssm" and call.operation == "GetParameters":
        return {("ssm:GetParameters", f"parameter:{name}") for name in request["Names"]}
    return {(f"{call.service}:{call.operation}", "not mapped to IAM by this test")}
