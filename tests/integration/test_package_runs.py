"""The package runs: every function, unpacked from the packaged artifacts, answers real events.

The dev stage is packaged for this machine's architecture, its code zip and layer zip are
unpacked as Lambda mounts them, and each function starts in a bare Python 3.11 with only
what Lambda provides: the environment from the template, the runtime's boto3, and AWS, here
a moto server holding the template's tables and the parameters the deploy guide creates.
A whole session then runs through them (package_support/scenario.py): sign-in, a market,
investibles, investments, the stream consumer, the summaries and the expiry schedule.
Every module the functions import from the code or the layer must load from the bytecode
shipped beside it, never be compiled at a cold start.
"""

from __future__ import annotations

import compileall
import json
import py_compile
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.integration.deploy_fixtures import ROOT
from tests.integration.package_support import aws, packaging
from tests.integration.package_support.lambda_runtime import (
    BOOTSTRAP,
    LambdaTree,
    PackagedLambdas,
    plain_interpreter,
    unpack,
)
from tests.integration.package_support.scenario import UNAUTHORIZED, Scenario
from tests.integration.package_support.template import Template

pytestmark = [pytest.mark.slow, pytest.mark.aws]

REGION = "us-east-1"
FUNCTIONS = 20
# Where each module a function imports must come from, by the folder Lambda mounts.
ORIGINS = {
    "domain": "task",
    "ports": "task",
    "adapters": "task",
    "pydantic": "opt",
    "pydantic_core": "opt",
    "jwt": "opt",
    "dependency_injector": "opt",
    "boto3": "runtime",
    "botocore": "runtime",
    "urllib3": "runtime",
}
NEVER_IMPORTED = ("cryptography", "yaml", "moto")
# The bytecode CPython 3.11 reads (PEP 3147), shipped beside every module of the code zip.
BYTECODE_TAG = "cpython-311"
DEVELOPMENT_ONLY = (".venv", "node_modules", "adapters/local", "adapters/deployment")


@pytest.fixture(scope="module")
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Template:
    folder = packaging.host_package(request.config, tmp_path_factory)
    return Template(folder, REGION)


@pytest.fixture(scope="module")
def tree(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaTree]:
    unpacked = unpack(template.folder, tmp_path_factory.mktemp("lambda"))
    unpacked.make_read_only()
    yield unpacked
    unpacked.make_read_only(False)


def _reset(endpoint: str) -> None:
    # The server keeps its state in moto's process-wide backends: start and end clean.
    with urlopen(Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10):
        pass


@pytest.fixture(scope="module")
def endpoint(template: Template) -> Iterator[str]:
    """A moto server with the template's tables and the stage's parameters."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    _reset(url)
    options: dict[str, Any] = {
        "region_name": REGION,
        "endpoint_url": url,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    aws.create_tables(boto3.client("dynamodb", **options), template)
    aws.seed_parameters(boto3.client("ssm", **options), template.environment("get_market"))
    try:
        yield url
    finally:
        _reset(url)
        server.stop()


@pytest.fixture(scope="module")
def lambdas(
    template: Template, tree: LambdaTree, endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[PackagedLambdas, Scenario]]:
    """The scenario, run once through the unpacked functions."""
    identity = aws.IdentityProvider()
    options: dict[str, Any] = {
        "region_name": REGION,
        "endpoint_url": endpoint,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    markets = template.environment("process_stream")["MARKETS_TABLE"]
    streams = aws.StreamRecords(
        boto3.client("dynamodb", **options), boto3.client("dynamodbstreams", **options), markets
    )
    running = PackagedLambdas(
        template,
        tree,
        {"AWS_ENDPOINT_URL": endpoint, **identity.environment},
        tmp_path_factory.mktemp("lambda-logs"),
    )
    try:
        running.start_all()
        scenario = Scenario(running, identity.id_token, streams.batches, template.functions).run()
        yield running, scenario
    finally:
        running.close()
        identity.close()


@pytest.fixture
def scenario(lambdas: tuple[PackagedLambdas, Scenario]) -> Scenario:
    return lambdas[1]


def _logs(running: PackagedLambdas, function: str) -> str:
    return running.processes[function].output()[-4000:]


# --- what was unpacked -----------------------------------------------------------------------


def test_the_package_holds_no_test_and_no_development_file(tree: LambdaTree) -> None:
    files = [path.as_posix() for path in tree.unpacked_files()]

    # Test folders anywhere; test modules in our code (a library may ship a module of test
    # data, such as annotated_types/test_cases.py, that its users import).
    tests = [
        name
        for name in files
        if {"tests", "test"} & set(name.split("/")[:-1])
        or (
            name.startswith("var/task/")
            and (name.rsplit("/", 1)[-1].startswith("test_") or name.endswith("/conftest.py"))
        )
    ]
    assert tests == []
    for part in DEVELOPMENT_ONLY:
        assert not [name for name in files if f"/{part}/" in f"/{name}"], part


def test_the_package_leaves_out_the_deployment_reader(tree: LambdaTree) -> None:
    assert not (tree.task / "adapters" / "deployment").exists()


def test_every_module_of_the_code_has_its_bytecode_beside_it(tree: LambdaTree) -> None:
    sources = sorted(tree.task.rglob("*.py"))

    assert sources
    for source in sources:
        cached = source.parent / "__pycache__" / f"{source.stem}.{BYTECODE_TAG}.pyc"
        assert cached.is_file(), source.relative_to(tree.task)


def test_the_layer_has_neither_boto3_nor_cryptography(tree: LambdaTree) -> None:
    site = tree.opt / "python"
    top_level = {path.name.split("-")[0].lower() for path in site.iterdir()}

    assert {"pydantic", "pydantic_core", "jwt", "dependency_injector"} <= top_level
    assert not top_level & {"boto3", "botocore", "s3transfer", "cryptography", "cffi"}


def test_the_function_zip_holds_the_handler_of_every_function(
    template: Template, tree: LambdaTree
) -> None:
    assert len(template.functions) == FUNCTIONS
    for function in template.functions.values():
        assert (tree.task / f"{function.handler.rsplit('.', 1)[0]}.py").is_file(), function.key


# --- cold starts ---------------------------------------------------------------------------------


def test_no_cold_start_compiles_a_module_of_the_package(
    lambdas: tuple[PackagedLambdas, Scenario], tree: LambdaTree
) -> None:
    """Every module a function imports from its code or its layer, at init or later, loads
    from the bytecode shipped beside it: /var/task and /opt are read-only on Lambda, so a
    module compiled there would be compiled again at every cold start."""
    running, _ = lambdas
    mounted = [tree.task.resolve(), tree.opt.resolve()]
    reports = [(function, process.init) for function, process in running.processes.items()]
    reports += running.answers

    for function, report in reports:
        assert "init_error" not in report, function
        assert report["without_bytecode"] == [], function
        compiled = [
            path
            for path in report["compiled_from_source"]
            if any(Path(path).resolve().is_relative_to(folder) for folder in mounted)
        ]
        assert compiled == [], function


def test_the_bootstrap_notices_a_module_without_usable_bytecode(tmp_path: Path) -> None:
    """The check above would pass on a bootstrap that noticed nothing: show it notices."""
    code = tmp_path / "task"
    (code / "package").mkdir(parents=True)
    (code / "package" / "__init__.py").write_text("")
    (code / "package" / "module.py").write_text("VALUE = 1\n")
    probe = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(BOOTSTRAP.parent)!r})\n"
        "import lambda_bootstrap as bootstrap\n"
        "bootstrap.watch_compilations()\n"
        "import package.module\n"
        "print(json.dumps(bootstrap.bytecode_report()))\n"
    )
    environment = {"PYTHONPATH": str(code), "LAMBDA_RUNTIME_DIR": str(tmp_path / "runtime")}

    def report() -> dict[str, list[str]]:
        answer = subprocess.run(
            [plain_interpreter(), "-S", "-B", "-c", probe],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        result: dict[str, list[str]] = json.loads(answer.stdout)
        return result

    before = report()
    compileall.compile_dir(
        code, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    after = report()

    assert sorted(Path(path).name for path in before["compiled_from_source"]) == [
        "__init__.py",
        "module.py",
    ]
    assert before["without_bytecode"] == ["package", "package.module"]
    assert after == {"compiled_from_source": [], "without_bytecode": []}


def test_every_function_starts_in_a_bare_interpreter(
    lambdas: tuple[PackagedLambdas, Scenario], tree: LambdaTree
) -> None:
    running, _ = lambdas

    assert set(running.processes) == set(running.template.functions)
    for function, process in running.processes.items():
        init = process.init
        assert "init_error" not in init, f"{function}:\n{init.get('init_error')}"
        assert init["version"][:2] == [3, 11], function
        assert init["no_site"] is True, function
        stdlib = [Path(folder) for folder in init["stdlib"]]
        allowed = [tree.root, *stdlib, *(folder / "lib-dynload" for folder in stdlib)]
        for entry in init["sys_path"]:
            path = Path(entry)
            if path.suffix == ".zip" and not path.exists():
                continue  # the standard library's optional zip, absent here
            assert any(path == a or path.is_relative_to(tree.root) for a in allowed), entry
            assert "site-packages" not in entry and "dist-packages" not in entry, entry
            assert not path.resolve().is_relative_to(ROOT), (function, entry)
            assert not path.resolve().is_relative_to(Path(sys.prefix).resolve()), entry


def test_every_module_comes_from_where_lambda_mounts_it(
    lambdas: tuple[PackagedLambdas, Scenario], tree: LambdaTree
) -> None:
    running, _ = lambdas
    folders = {"task": tree.task, "opt": tree.opt / "python", "runtime": tree.runtime}

    for function, answer in running.answers:
        for module, origin in answer["origins"].items():
            assert module not in NEVER_IMPORTED, (function, module, origin)
            expected = folders[ORIGINS[module]]
            assert Path(origin).resolve().is_relative_to(expected.resolve()), (function, origin)


def test_every_function_answers_the_warm_up_ping_without_aws(scenario: Scenario) -> None:
    lambdas_seen = [name for name in scenario.outcomes if name.startswith("ping ")]

    assert len(lambdas_seen) == FUNCTIONS
    for step in lambdas_seen:
        assert scenario.outcome(step).value == {"warm": True}, step


def test_a_warm_up_ping_loads_no_aws_client(lambdas: tuple[PackagedLambdas, Scenario]) -> None:
    running, _ = lambdas
    first_answers: dict[str, dict[str, Any]] = {}
    for function, answer in running.answers:
        first_answers.setdefault(function, answer)

    for function, answer in first_answers.items():
        assert answer.get("result") == {"warm": True}, function
        assert "botocore" not in answer["origins"], function


# --- the session -----------------------------------------------------------------------------


def test_the_scenario_ran_to_its_end(scenario: Scenario) -> None:
    assert scenario.stopped is None, scenario.stopped


def test_every_function_handled_real_events(
    lambdas: tuple[PackagedLambdas, Scenario], scenario: Scenario
) -> None:
    running, _ = lambdas
    real = {
        function for function, answer in running.answers if answer.get("result") != {"warm": True}
    }

    assert real == set(running.template.functions)
    for function, answer in running.answers:
        if "error" in answer:
            assert answer["error"] == UNAUTHORIZED, f"{function}: {answer.get('trace')}"
            assert function == "capability_authorizer"


def test_no_route_answers_with_a_server_error(scenario: Scenario) -> None:
    for step, outcome in scenario.outcomes.items():
        if isinstance(outcome.value, dict) and "statusCode" in outcome.value:
            assert outcome.status < 500, (step, outcome)
            headers = outcome.value["headers"]
            assert headers["Content-Type"].startswith("application/json"), step
            assert headers["Access-Control-Allow-Origin"] == "*", step


def test_the_authorizer_refuses_a_missing_or_bad_token(scenario: Scenario) -> None:
    assert scenario.outcome("authorize without a token").error == UNAUTHORIZED
    assert scenario.outcome("authorize a literal undefined").error == UNAUTHORIZED


def test_a_route_reached_without_the_authorizer_answers_401(scenario: Scenario) -> None:
    outcome = scenario.outcome("get_market without a caller")

    assert outcome.status == 401
    assert outcome.body["error_code"] == "unauthorized"


def test_the_authorizer_answers_a_policy_with_the_usage_plan_key(scenario: Scenario) -> None:
    answer = scenario.outcome("authorize an account token").value
    statement = answer["policyDocument"]["Statement"][0]

    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == ["arn:aws:execute-api:*:*:*/*/POST/create"]
    assert answer["usageIdentifierKey"] == aws.API_KEY
    assert answer["context"]["token_type"] == "account"
    assert answer["principalId"] == answer["context"]["user_id"]


def test_signing_in_answers_an_account_token(scenario: Scenario) -> None:
    outcome = scenario.outcome("sign in")

    assert outcome.status == 200
    assert set(outcome.body) == {"uclusion_token", "account", "user"}
    assert outcome.body["user"]["email"] == "alice@example.com"


def test_creating_a_market_answers_201_with_an_admin_token(scenario: Scenario) -> None:
    outcome = scenario.outcome("create a market")
    policy = scenario.outcome("authorize a market token").value

    assert outcome.status == 201
    assert outcome.body["market"]["market_type"] == "DECISION"
    assert [stage["name"] for stage in outcome.body["stages"]] == ["Approvable", "Proposed"]
    assert policy["context"]["market_id"] == outcome.body["market"]["id"]
    assert policy["context"]["is_admin"] is True


def test_investing_answers_200_and_a_stale_former_quantity_409(scenario: Scenario) -> None:
    first = scenario.outcome("invest")
    second = scenario.outcome("invest again, replacing the quantity")
    stale = scenario.outcome("invest with a stale former quantity")

    assert (first.status, first.body["quantity"], first.body["version"]) == (200, 40, 1)
    assert (second.status, second.body["quantity"], second.body["version"]) == (200, 60, 2)
    assert stale.status == 409
    assert stale.body["current_quantity"] == 60


def test_a_repeated_request_id_answers_208_with_the_first_answer(scenario: Scenario) -> None:
    first = scenario.outcome("create an investible")
    again = scenario.outcome("create it again with the same request id")

    assert again.status == 208
    assert again.body == first.body


def test_the_stream_consumer_reports_no_failed_record(scenario: Scenario) -> None:
    batches = [name for name in scenario.outcomes if name.startswith("consume the stream")]

    assert batches
    for step in batches:
        assert scenario.outcome(step).value == {"batchItemFailures": []}, step


def test_the_summaries_show_what_the_consumer_derived(scenario: Scenario) -> None:
    market_id = scenario.outcome("create a market").body["market"]["id"]
    versioned = scenario.outcome("get the summary of one's markets").body
    versions = scenario.outcome("get the versions of a market").body

    assert versioned == [{"id": market_id, "active": True, "banned": False}]
    (signatures,) = versions["signatures"]
    assert signatures["market_id"] == market_id
    types = {entry["type"] for entry in signatures["signatures"]}
    assert {"market", "stage", "investible", "market_investible", "investment"} <= types


def test_the_expiry_schedule_reports_what_it_did(scenario: Scenario) -> None:
    report = scenario.outcome("expire investments").value

    assert report == {"markets": 1, "expired": 0, "skipped": 0}
