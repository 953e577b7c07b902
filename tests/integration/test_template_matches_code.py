"""The packaged templates and the code agree: handlers, routes, tables, environment, and roles.

Every stage's template, as `serverless package` wrote it, is read against the code it ships:

- each function's handler imports from the packaged code zip (in a subprocess, with the
  runtime dependencies only) and, for an HTTP function, declares the route that reaches it;
- the routes are exactly those of the API (docs: /work/shared/docs/API.md), each served by
  one function, and the capability authorizer guards all of them but the sign-in and the
  summaries, whose handlers check their tokens themselves;
- the tables have the keys, index and TTL attribute that adapters/dynamodb/keys.py uses;
- the environment names what adapters/ssm/config.py reads;
- each role allows what its function calls, and nothing more. What a function calls is
  recorded: every function runs a whole session against moto in this process, with a
  botocore `before-call` hook noting each call (package_support/in_process.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from adapters.dynamodb import keys
from adapters.ssm.config import SsmConfigSource
from tests.integration.deploy_fixtures import STAGES
from tests.integration.package_support import aws, packaging
from tests.integration.package_support.in_process import Recording, record
from tests.integration.package_support.lambda_runtime import RUNTIME_VENV, runtime_site_packages
from tests.integration.package_support.template import Template

pytestmark = [pytest.mark.slow, pytest.mark.aws]

REGION = "us-east-1"
RECORDED_STAGE = "dev"

# The API's routes (API.md), with the function serving each.
API_ROUTES = {
    ("POST", "/create"): "create_market",
    ("GET", "/get"): "get_market",
    ("PATCH", "/update"): "update_market",
    ("POST", "/invest"): "update_investment",
    ("DELETE", "/invest/{investible_id}"): "remove_investment",
    ("POST", "/list"): "list_market",
    ("POST", "/investibles"): "list_investibles",
    ("POST", "/investments"): "list_investments",
    ("POST", "/investibles/create"): "create_investible",
    ("GET", "/investibles/{investible_id}"): "get_investible",
    ("PATCH", "/investibles/{investible_id}"): "update_investible",
    ("PATCH", "/investibles/state/{investible_id}"): "update_investible_stage",
    ("GET", "/users/get"): "get_user",
    ("POST", "/users/ban/{user_id}"): "ban_user",
    ("POST", "/sso/cognito"): "cognito_login",
    ("GET", "/summaries/versioned"): "get_versioned",
    ("GET", "/summaries/versions"): "get_versions",
}
OTHER_FUNCTIONS = ("capability_authorizer", "process_stream", "expire_investments")
FUNCTIONS = (*API_ROUTES.values(), *OTHER_FUNCTIONS)
AUTHORIZER = "capability_authorizer"

# Variables of the environment that adapters/ssm/config.py does not read, and the module that
# does; nobody reads CONFIG_GENERATION: changing it is what makes every function start afresh.
READ_ELSEWHERE = {
    "LOG_LEVEL": "adapters/aws_lambda/logs.py",
    "CORS_ORIGIN": "adapters/aws_lambda/http.py",
    "CONFIG_GENERATION": None,
}
# Read by the configuration when set, instead of the Cognito settings (local runs and tests).
IDENTITY_OVERRIDES = {"IDENTITY_ISSUER", "IDENTITY_AUDIENCE", "IDENTITY_JWKS_URL"}

STREAM_READ_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
)

# Asks one handler module, imported from the code zip, what it is: run by .venv-runtime's
# interpreter, whose site-packages hold the runtime dependencies only.
IMPORT_PROBE = """
import importlib, json, sys
module_name, attribute = sys.argv[1], sys.argv[2]
module = importlib.import_module(module_name)
handler = getattr(module, attribute, None)
token = getattr(handler, "token_type", None)
report = {
    "file": module.__file__,
    "callable": callable(handler),
    "route": getattr(handler, "route", None),
    "token_type": None if token is None else token.value,
}
routes = getattr(module, "ROUTES_BY_TYPE", None)
if routes is not None:
    report["routes_by_type"] = {kind.value: list(found) for kind, found in routes.items()}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def templates(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Template]:
    folders = packaging.stage_packages(request.config, tmp_path_factory)
    return {stage: Template(folder, REGION) for stage, folder in folders.items()}


@pytest.fixture(params=STAGES)
def template(request: pytest.FixtureRequest, templates: dict[str, Template]) -> Template:
    return templates[request.param]


@pytest.fixture(scope="module")
def handlers(
    templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """What each handler of the recorded stage's code zip is, by function, one import each."""
    template = templates[RECORDED_STAGE]
    code = template.folder / packaging.CODE_ZIP
    python = RUNTIME_VENV / "bin" / "python"
    runtime_site_packages()
    workdir = tmp_path_factory.mktemp("imports")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(code), "PYTHONNOUSERSITE": "1"}

    def probe(function: str) -> dict[str, Any]:
        module, attribute = template.functions[function].handler.rsplit(".", 1)
        result = subprocess.run(
            [str(python), "-c", IMPORT_PROBE, module.replace("/", "."), attribute],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            return {"error": result.stderr[-3000:]}
        report: dict[str, Any] = json.loads(result.stdout)
        return report

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        reports = pool.map(probe, template.functions)
        return dict(zip(template.functions, reports, strict=True))


@pytest.fixture(scope="module")
def recording(templates: dict[str, Template]) -> Recording:
    return record(templates[RECORDED_STAGE])


# --- functions and handlers -----------------------------------------------------------------


def test_every_stage_has_the_functions_of_the_api(template: Template) -> None:
    assert sorted(template.functions) == sorted(FUNCTIONS)


def test_every_handler_imports_from_the_code_zip(
    templates: dict[str, Template], handlers: dict[str, dict[str, Any]]
) -> None:
    code = templates[RECORDED_STAGE].folder / packaging.CODE_ZIP

    for function, report in handlers.items():
        assert "error" not in report, f"{function}:\n{report.get('error')}"
        assert report["callable"], function
        assert Path(report["file"]).is_relative_to(code), (function, report["file"])
    for stage, template in templates.items():
        for function in template.functions.values():
            expected = templates[RECORDED_STAGE].functions[function.key].handler
            assert function.handler == expected, (stage, function.key)


def test_every_route_of_the_api_reaches_exactly_one_function(template: Template) -> None:
    served = Counter((route.method, route.path) for route in template.routes)

    assert set(served) == set(API_ROUTES)
    assert [route for route, count in served.items() if count > 1] == []
    for route in template.routes:
        assert route.function == API_ROUTES[(route.method, route.path)], route


def test_each_http_handler_declares_the_route_that_reaches_it(
    templates: dict[str, Template], handlers: dict[str, dict[str, Any]]
) -> None:
    for route in templates[RECORDED_STAGE].routes:
        assert handlers[route.function]["route"] == f"{route.method} {route.path}", route
    for function in OTHER_FUNCTIONS:
        assert handlers[function]["route"] is None, function


def test_the_authorizer_guards_every_route_but_sign_in_and_summaries(template: Template) -> None:
    for route in template.routes:
        open_route = route.path == "/sso/cognito" or route.path.startswith("/summaries/")
        if open_route:
            assert (route.authorization, route.authorizer) == ("NONE", None), route
        else:
            assert (route.authorization, route.authorizer) == ("CUSTOM", AUTHORIZER), route


def test_handlers_behind_the_authorizer_take_its_context_and_the_others_do_not(
    templates: dict[str, Template], handlers: dict[str, dict[str, Any]]
) -> None:
    for route in templates[RECORDED_STAGE].routes:
        token_type = handlers[route.function]["token_type"]
        if route.authorizer is None:
            assert token_type is None, route
        else:
            assert token_type in ("account", "market"), route


def test_the_authorizer_policy_allows_each_token_exactly_its_routes(
    templates: dict[str, Template], handlers: dict[str, dict[str, Any]]
) -> None:
    allowed = handlers[AUTHORIZER]["routes_by_type"]
    expected: dict[str, set[str]] = {kind: set() for kind in allowed}
    for route in templates[RECORDED_STAGE].routes:
        if route.authorizer is not None:
            pattern = "/".join(
                "*" if part.startswith("{") else part for part in route.path.split("/")
            )
            expected[handlers[route.function]["token_type"]].add(f"{route.method}{pattern}")

    assert {kind: set(routes) for kind, routes in allowed.items()} == expected
    assert expected["market_invite"] == set()


# --- tables -------------------------------------------------------------------------------------


def test_the_tables_have_the_keys_the_adapter_writes(template: Template) -> None:
    string_key = [
        {"AttributeName": keys.PK, "KeyType": "HASH"},
        {"AttributeName": keys.SK, "KeyType": "RANGE"},
    ]
    environment = template.environment("process_stream")
    named = {environment["USERS_TABLE"], environment["MARKETS_TABLE"]}

    assert set(template.table_ids) == named
    assert len(keys.Table) == len(named)
    for properties in template.tables.values():
        types = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
        assert properties["KeySchema"] == string_key
        assert types[keys.PK] == types[keys.SK] == "S"
        assert properties["TimeToLiveSpecification"] == {"AttributeName": keys.TTL, "Enabled": True}
        assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_the_markets_table_has_the_index_the_expiry_queries(template: Template) -> None:
    markets = template.tables[
        template.table_ids[template.environment("get_market")["MARKETS_TABLE"]]
    ]
    types = {a["AttributeName"]: a["AttributeType"] for a in markets["AttributeDefinitions"]}

    (index,) = markets["GlobalSecondaryIndexes"]
    assert index["IndexName"] == keys.GSI
    assert index["KeySchema"] == [
        {"AttributeName": keys.GSI_PK, "KeyType": "HASH"},
        {"AttributeName": keys.GSI_SK, "KeyType": "RANGE"},
    ]
    # The expiry decodes whole markets and investments from the index.
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert types[keys.GSI_PK] == types[keys.GSI_SK] == "S"


def test_every_table_and_index_the_functions_called_is_in_the_template(
    templates: dict[str, Template], recording: Recording
) -> None:
    template = templates[RECORDED_STAGE]
    used = {
        tuple(resource.split("/"))
        for call in recording.recorder.calls
        if call.function and call.service == "dynamodb"
        for _, resource in aws.iam_needs(call, template.table_ids)
    }

    assert {parts[1] for parts in used} == set(template.tables)
    for parts in used:
        if len(parts) == 4:  # table/<id>/index/<name>
            indexes = template.tables[parts[1]].get("GlobalSecondaryIndexes", [])
            assert parts[3] in [index["IndexName"] for index in indexes], parts


# --- environment ---------------------------------------------------------------------------------


class ReadNames(Mapping[str, str]):
    """An environment that notes every name looked up in it."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class AnswersEveryName:
    """An SSM client holding a valid value under any name it is asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_parameters(self, *, Names: list[str], WithDecryption: bool) -> dict[str, Any]:
        self.asked.extend(Names)
        value = json.dumps(aws.CAPABILITY_SECRET)
        return {"Parameters": [{"Name": name, "Value": value} for name in Names]}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_environment_names_what_the_configuration_reads(
    template: Template, function: str
) -> None:
    environment = template.environment(function)
    seen = ReadNames(environment)
    ssm = AnswersEveryName()

    settings = SsmConfigSource(ssm, seen).settings()

    assert seen.read - set(environment) <= IDENTITY_OVERRIDES
    assert set(environment) - seen.read == set(READ_ELSEWHERE)
    parameters = {value for name, value in environment.items() if name.endswith("_PARAMETER")}
    assert set(ssm.asked) == parameters - {""}
    assert {settings.users_table, settings.markets_table} == set(template.table_ids)


def test_the_other_variables_are_read_where_they_are_meant_for(
    templates: dict[str, Template],
) -> None:
    with zipfile.ZipFile(templates[RECORDED_STAGE].folder / packaging.CODE_ZIP) as code:
        sources = {
            name: code.read(name).decode() for name in code.namelist() if name.endswith(".py")
        }

    for variable, module in READ_ELSEWHERE.items():
        readers = {name for name, source in sources.items() if f'"{variable}"' in source}
        assert readers == ({module} if module else set()), variable


# --- permissions ---------------------------------------------------------------------------


def code_needs(
    recording: Recording, recorded: Template, template: Template, function: str
) -> set[tuple[str, str]]:
    """What the function's recorded calls need, its parameters moved to the stage's folder."""
    folder_of = {
        t: t.environment(function)["CAPABILITY_SECRET_PARAMETER"].rsplit("/", 1)[0] + "/"
        for t in (recorded, template)
    }
    needs = set()
    for call in recording.recorder.of(function):
        for action, resource in aws.iam_needs(call, recorded.table_ids):
            prefix = f"parameter:{folder_of[recorded]}"
            if resource.startswith(prefix):
                resource = f"parameter:{folder_of[template]}{resource.removeprefix(prefix)}"
            needs.add((action, resource))
    return needs


def platform_needs(template: Template, function: str) -> set[tuple[str, str]]:
    """What Lambda does with the function's role: its logs, and reading its event sources."""
    needs = {("logs:CreateLogStream", "own log group"), ("logs:PutLogEvents", "own log group")}
    for source in template.event_sources(function):
        stream = template.describe(source["EventSourceArn"], function)
        needs |= {(action, stream) for action in STREAM_READ_ACTIONS}
        # The event source mapping lists the streams first; IAM takes no resource for it.
        needs.add(("dynamodb:ListStreams", "*"))
        failures = source.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if failures is not None:
            needs.add(("sqs:SendMessage", template.describe(failures, function)))
    return needs


def test_the_recording_saw_every_function_at_work(recording: Recording) -> None:
    assert recording.scenario.stopped is None
    assert recording.expiry.value is not None and recording.expiry.value["expired"] >= 1
    assert set(recording.rotation_outcomes) == set(FUNCTIONS)
    for function, outcome in recording.rotation_outcomes.items():
        assert outcome.error is None, (function, outcome)
    for function in FUNCTIONS:
        operations = {call.operation for call in recording.recorder.of(function)}
        assert "GetParameters" in operations, function


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_role_allows_what_its_function_calls_and_nothing_more(
    templates: dict[str, Template], template: Template, recording: Recording, function: str
) -> None:
    recorded = templates[RECORDED_STAGE]
    needed = code_needs(recording, recorded, template, function) | platform_needs(
        template, function
    )

    granted = template.grants(function)

    assert {
        "missing": sorted(needed - granted),
        "more than needed": sorted(granted - needed),
    } == {"missing": [], "more than needed": []}


def test_the_recorded_calls_are_all_known_to_iam(recording: Recording) -> None:
    unmapped = {
        (call.function, call.service, call.operation)
        for call in recording.recorder.calls
        if call.function
        and any(resource.startswith("not mapped") for _, resource in aws.iam_needs(call, {}))
    }

    assert unmapped == set()
