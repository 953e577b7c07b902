"""A packaged CloudFormation template read as a deployment: functions, routes, tables, roles.

Intrinsic functions are resolved the way this test run needs them: a table's `Ref` is its
name, an `Arn` a made-up ARN in the test account, and `Fn::Sub`/`Fn::Join` are applied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from tests.integration.deploy_fixtures import TEMPLATE, getatt_target, resource_paths

ACCOUNT = "123456789012"
PARTITION = "aws"
PYTHON_HANDLER = re.compile(r"^(?P<module>[\w/]+)\.(?P<attribute>\w+)$")


@dataclass(frozen=True)
class Function:
    """One AWS::Lambda::Function of the template."""

    key: str  # the function's name in serverless.yml, e.g. create_market
    logical_id: str
    name: str  # the deployed FunctionName
    properties: Mapping[str, Any]

    @property
    def handler(self) -> str:
        """The handler setting: `<path of the module, from the zip root>.<attribute>`."""
        return str(self.properties["Handler"])

    @property
    def module(self) -> str:
        """The handler's module as Python imports it."""
        match = PYTHON_HANDLER.match(self.handler)
        assert match, f"{self.key}: {self.handler!r} is not a Python handler"
        return match["module"].replace("/", ".")

    @property
    def role_id(self) -> str | None:
        """The logical id of the function's role."""
        return getatt_target(self.properties.get("Role"))


@dataclass(frozen=True)
class Route:
    """One HTTP method of the REST API and what serves it."""

    method: str
    path: str
    function: str  # the function key
    authorization: str  # CUSTOM with the authorizer, NONE without
    authorizer: str | None  # the function key of the authorizer


class Template:
    """The template `serverless package` wrote into `folder`."""

    def __init__(self, folder: Path, region: str) -> None:
        self.folder = folder
        self.region = region
        self.document: dict[str, Any] = json.loads((folder / TEMPLATE).read_text())
        self.resources: dict[str, Any] = self.document["Resources"]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        """The resources of one CloudFormation type, by logical id."""
        return {name: body for name, body in self.resources.items() if body["Type"] == kind}

    @cached_property
    def functions(self) -> dict[str, Function]:
        """The Python functions by key (the warmer, a Node function, is left out).

        Serverless names a function `<service>-<stage>-<key>`; the keys here hold no dash.
        """
        found = {}
        for logical_id, body in self.of_type("AWS::Lambda::Function").items():
            properties = body["Properties"]
            if not str(properties.get("Runtime", "")).startswith("python"):
                continue
            name = properties["FunctionName"]
            key = name.rsplit("-", 1)[1]
            found[key] = Function(key, logical_id, name, properties)
        return found

    def function_of(self, logical_id: str | None) -> str | None:
        """The key of the function with this logical id."""
        return next((f.key for f in self.functions.values() if f.logical_id == logical_id), None)

    @cached_property
    def tables(self) -> dict[str, dict[str, Any]]:
        """The DynamoDB tables' properties, by logical id."""
        return {
            logical_id: body["Properties"]
            for logical_id, body in self.of_type("AWS::DynamoDB::Table").items()
        }

    @cached_property
    def table_ids(self) -> dict[str, str]:
        """Logical id of each table, by its deployed name."""
        return {properties["TableName"]: logical for logical, properties in self.tables.items()}

    # --- values -------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """`value` with Ref, Fn::GetAtt, Fn::Sub and Fn::Join replaced by plain values."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self._ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            logical_id, attribute = value["Fn::GetAtt"]
            return self._attribute(logical_id, attribute)
        if set(value) == {"Fn::Sub"}:
            return self._sub(value["Fn::Sub"])
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self.resolve(part)) for part in parts)
        return {key: self.resolve(inner) for key, inner in value.items()}

    def _pseudo(self, name: str) -> str:
        values = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": PARTITION,
        }
        return values[name]

    def _ref(self, name: str) -> str:
        if name.startswith("AWS::"):
            return self._pseudo(name)
        if name in self.tables:
            return str(self.tables[name]["TableName"])
        return name

    def _attribute(self, logical_id: str, attribute: str) -> str:
        if logical_id in self.tables:
            arn = f"arn:{PARTITION}:dynamodb:{self.region}:{ACCOUNT}"
            table = f"{arn}:table/{self._ref(logical_id)}"
            return table if attribute == "Arn" else f"{table}/stream/latest"
        return f"arn:{PARTITION}:test:{self.region}:{ACCOUNT}:{logical_id}/{attribute}"

    def _sub(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match[1]
            if name.startswith("AWS::"):
                return self._pseudo(name)
            logical_id, _, attribute = name.partition(".")
            return self._attribute(logical_id, attribute) if attribute else self._ref(name)

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def environment(self, function: str) -> dict[str, str]:
        """The function's environment variables, resolved."""
        variables = self.functions[function].properties.get("Environment", {}).get("Variables", {})
        return {name: str(self.resolve(value)) for name, value in variables.items()}

    # --- the API --------------------------------------------------------------------------------

    @cached_property
    def routes(self) -> list[Route]:
        """Every method of the REST API but the CORS preflights."""
        paths = resource_paths(self.document)
        authorizers = {
            logical_id: self.function_of(getatt_target(body["Properties"]["AuthorizerUri"]))
            for logical_id, body in self.of_type("AWS::ApiGateway::Authorizer").items()
        }
        found = []
        for body in self.of_type("AWS::ApiGateway::Method").values():
            properties = body["Properties"]
            if properties["HttpMethod"] == "OPTIONS":
                continue
            resource = properties["ResourceId"]
            path = paths[resource["Ref"]] if "Ref" in resource else "/"
            authorizer = properties.get("AuthorizerId", {}).get("Ref")
            found.append(
                Route(
                    method=properties["HttpMethod"],
                    path=path,
                    function=self.function_of(getatt_target(properties["Integration"]["Uri"]))
                    or "?",
                    authorization=properties.get("AuthorizationType", "NONE"),
                    authorizer=authorizers.get(authorizer) if authorizer else None,
                )
            )
        return found

    # --- permissions ----------------------------------------------------------------------------

    def grants(self, function: str) -> set[tuple[str, str]]:
        """(action, resource) pairs the function's role allows; `describe` names the resources."""
        role = self.resources[self.functions[function].role_id or ""]
        pairs = set()
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow", statement
                for action in _as_list(statement["Action"]):
                    for resource in _as_list(statement["Resource"]):
                        pairs.add((action, self.describe(resource, function)))
        return pairs

    def describe(self, resource: Any, function: str) -> str:
        """A stable name for a statement's resource.

        `table/<id>`, `table/<id>/index/<name>`, `stream/<id>` and `queue/<id>` for resources
        of the template; `parameter:<name>` for an SSM parameter; `own log group` for the
        function's log group; `*`; anything else as its JSON, so it shows in a failure.
        """
        if resource == "*":
            return "*"
        target = getatt_target(resource)
        if isinstance(resource, dict) and "Fn::GetAtt" in resource:
            attribute = resource["Fn::GetAtt"][1]
            if target in self.tables:
                return f"table/{target}" if attribute == "Arn" else f"stream/{target}"
            if self.resources.get(target or "", {}).get("Type") == "AWS::SQS::Queue":
                return f"queue/{target}"
        if isinstance(resource, dict) and "Fn::Join" in resource and target in self.tables:
            separator, parts = resource["Fn::Join"]
            rest = separator.join(str(part) for part in parts[1:])
            return f"table/{target}{separator}{rest}"
        if isinstance(resource, dict) and "Fn::Sub" in resource:
            arn = self._sub(resource["Fn::Sub"])
            account = f"arn:{PARTITION}:ssm:{self.region}:{ACCOUNT}:parameter"
            if arn.startswith(account + "/"):
                return f"parameter:{arn.removeprefix(account)}"
            own = f"arn:{PARTITION}:logs:{self.region}:{ACCOUNT}:log-group:/aws/lambda/"
            if arn == f"{own}{self.functions[function].name}:*":
                return "own log group"
        return json.dumps(resource, sort_keys=True)

    def event_sources(self, function: str) -> list[dict[str, Any]]:
        """The properties of the event source mappings that invoke the function."""
        logical_id = self.functions[function].logical_id
        return [
            body["Properties"]
            for body in self.of_type("AWS::Lambda::EventSourceMapping").values()
            if getatt_target(body["Properties"]["FunctionName"]) == logical_id
        ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
