"""The deployment, as CloudFormation will receive it.

Packages dev, stage and prod once per session with `serverless package` and no AWS credentials,
lints each template with cfn-lint, and checks the routes, the authorizer, the usage plan, the
tables, the IAM roles, the layer and the code zip against what the API and the design require.
"""

from __future__ import annotations

import importlib.util
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.integration.deploy_fixtures import (
    ROOT,
    STAGES,
    PackagedStage,
    expected_bytecode,
    getatt_target,
    missing_node_modules,
    missing_toolchain,
    package_stages,
    resource_paths,
    resources_of_type,
    serverless_config,
    stage_params,
)

pytestmark = pytest.mark.slow

SERVICE = "market-api"
RUNTIME = "python3.11"
# The tag of the bytecode files that CPython 3.11 reads (PEP 3147).
BYTECODE_TAG = "cpython-311"
ARCHITECTURE = "arm64"

# function -> (method, path, needs a capability token)
ROUTES = {
    "create_market": ("POST", "/create", True),
    "get_market": ("GET", "/get", True),
    "update_market": ("PATCH", "/update", True),
    "update_investment": ("POST", "/invest", True),
    "remove_investment": ("DELETE", "/invest/{investible_id}", True),
    "list_market": ("POST", "/list", True),
    "list_investibles": ("POST", "/investibles", True),
    "list_investments": ("POST", "/investments", True),
    "create_investible": ("POST", "/investibles/create", True),
    "get_investible": ("GET", "/investibles/{investible_id}", True),
    "update_investible": ("PATCH", "/investibles/{investible_id}", True),
    "update_investible_stage": ("PATCH", "/investibles/state/{investible_id}", True),
    "get_user": ("GET", "/users/get", True),
    "ban_user": ("POST", "/users/ban/{user_id}", True),
    "cognito_login": ("POST", "/sso/cognito", False),
    "get_versioned": ("GET", "/summaries/versioned", False),
    "get_versions": ("GET", "/summaries/versions", False),
}
OTHER_FUNCTIONS = ("capability_authorizer", "process_stream", "expire_investments")
PYTHON_FUNCTIONS = (*ROUTES, *OTHER_FUNCTIONS)

WRITE_ACTIONS = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
}
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
# Actions IAM cannot scope to a resource, so AWS only accepts Resource "*" for them.
UNSCOPABLE_ACTIONS = {"dynamodb:ListStreams"}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PRIVATE|CREDENTIAL|TOKEN(?!_DAYS)|KEY")
SECRET_VALUE = re.compile(r"[A-Za-z0-9+/_=-]{32,}|AKIA[0-9A-Z]{16}|-----BEGIN")
ELF_MACHINE = {"arm64": 0xB7, "x86_64": 0x3E}


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PackagedStage]:
    reason = missing_toolchain()
    if reason:
        pytest.skip(reason)
    problem = missing_node_modules()
    if problem:
        pytest.fail(problem)
    return package_stages(tmp_path_factory.mktemp("serverless-package"))


@pytest.fixture(params=STAGES)
def stage(request: pytest.FixtureRequest, packaged: dict[str, PackagedStage]) -> PackagedStage:
    return packaged[request.param]


@pytest.fixture
def template(stage: PackagedStage) -> dict[str, Any]:
    return stage.template


def logical_id(function: str) -> str:
    """Serverless's logical id of a function's AWS::Lambda::Function."""
    normalized = function.replace("-", "Dash").replace("_", "Underscore")
    return f"{normalized[0].upper()}{normalized[1:]}LambdaFunction"


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in role["Properties"].get("Policies", []):
        found.extend(policy["PolicyDocument"]["Statement"])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_of(template: dict[str, Any], function: str) -> tuple[str, dict[str, Any]]:
    role_id = getatt_target(template["Resources"][logical_id(function)]["Properties"]["Role"])
    assert role_id, f"{function} has no role from this template"
    return role_id, template["Resources"][role_id]


# --- the template as a whole ---------------------------------------------------------------


def test_packaging_writes_every_artifact(stage: PackagedStage) -> None:
    names = {path.name for path in stage.folder.iterdir()}

    assert {"cloudformation-template-update-stack.json", f"{SERVICE}.zip"} <= names
    assert "dependencies.zip" in names


def test_cfn_lint_finds_no_error_or_unlisted_warning(stage: PackagedStage) -> None:
    assert stage.lint_returncode == 0, stage.lint_report


def test_template_needs_no_aws_lookup_at_package_time(template: dict[str, Any]) -> None:
    text = json.dumps(template)

    assert "${ssm:" not in text and "${cf:" not in text and "${aws:" not in text
    assert "{{resolve:ssm-secure:" not in text


# --- functions and their events ------------------------------------------------------------


def test_every_function_runs_its_own_handler(
    stage: PackagedStage, template: dict[str, Any]
) -> None:
    functions = resources_of_type(template, "AWS::Lambda::Function")

    for function in PYTHON_FUNCTIONS:
        properties = functions[logical_id(function)]["Properties"]
        assert properties["Handler"] == f"adapters/aws_lambda/{function}.handler"
        assert properties["Runtime"] == RUNTIME
        assert properties["Architectures"] == [ARCHITECTURE]
        assert properties["FunctionName"] == f"{SERVICE}-{stage.stage}-{function}"


def test_api_functions_have_256_mb_and_10_seconds(template: dict[str, Any]) -> None:
    for function in (*ROUTES, "capability_authorizer"):
        properties = template["Resources"][logical_id(function)]["Properties"]
        assert properties["MemorySize"] == 256
        assert properties["Timeout"] == 10


def test_every_route_reaches_its_function(template: dict[str, Any]) -> None:
    paths = resource_paths(template)
    methods = resources_of_type(template, "AWS::ApiGateway::Method")
    routes = {}
    for method in methods.values():
        properties = method["Properties"]
        if properties["HttpMethod"] == "OPTIONS":
            continue
        path = paths[properties["ResourceId"]["Ref"]]
        routes[(properties["HttpMethod"], path)] = properties

    expected = {(verb, path): function for function, (verb, path, _) in ROUTES.items()}
    assert set(routes) == set(expected)
    for key, function in expected.items():
        integration = routes[key]["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert getatt_target(integration["Uri"]) == logical_id(function)


def test_token_routes_use_the_authorizer_and_the_api_key(template: dict[str, Any]) -> None:
    paths = resource_paths(template)
    authorizer_id = next(iter(resources_of_type(template, "AWS::ApiGateway::Authorizer")))

    for method in resources_of_type(template, "AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        if properties["HttpMethod"] == "OPTIONS":
            assert properties["AuthorizationType"] == "NONE"
            continue
        route = (properties["HttpMethod"], paths[properties["ResourceId"]["Ref"]])
        needs_token = next(token for verb, path, token in ROUTES.values() if (verb, path) == route)
        if needs_token:
            assert properties["AuthorizationType"] == "CUSTOM", route
            assert properties["AuthorizerId"] == {"Ref": authorizer_id}, route
            assert properties["ApiKeyRequired"] is True, route
        else:
            assert properties["AuthorizationType"] == "NONE", route
            assert not properties.get("ApiKeyRequired"), route


def test_the_authorizer_caches_token_policies_for_300_seconds(template: dict[str, Any]) -> None:
    (authorizer,) = resources_of_type(template, "AWS::ApiGateway::Authorizer").values()
    properties = authorizer["Properties"]

    assert properties["Type"] == "TOKEN"
    assert properties["IdentitySource"] == "method.request.header.Authorization"
    assert properties["AuthorizerResultTtlInSeconds"] == 300
    assert getatt_target(properties["AuthorizerUri"]) == logical_id("capability_authorizer")


def test_every_path_answers_cors_preflight_for_the_stage_origin(
    stage: PackagedStage, template: dict[str, Any]
) -> None:
    origin = stage_params(stage.stage)["corsOrigin"]
    paths = resource_paths(template)
    preflights = {
        paths[method["Properties"]["ResourceId"]["Ref"]]: method["Properties"]
        for method in resources_of_type(template, "AWS::ApiGateway::Method").values()
        if method["Properties"]["HttpMethod"] == "OPTIONS"
    }

    assert set(preflights) == {path for _, path, _ in ROUTES.values()}
    for path, properties in preflights.items():
        headers = properties["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        allowed = headers["method.response.header.Access-Control-Allow-Headers"].strip("'")
        assert {"Authorization", "Content-Type"} <= set(allowed.split(",")), path
        assert headers["method.response.header.Access-Control-Allow-Origin"] == f"'{origin}'"


def test_the_stream_consumer_reports_partial_failures_to_a_queue(template: dict[str, Any]) -> None:
    (mapping,) = resources_of_type(template, "AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]

    assert getatt_target(properties["FunctionName"]) == logical_id("process_stream")
    assert properties["EventSourceArn"] == {"Fn::GetAtt": ["MarketsTable", "StreamArn"]}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BatchSize"] == 100
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["MaximumRetryAttempts"] == 5
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    assert 60 <= properties["MaximumRecordAgeInSeconds"] <= 604800
    destination = properties["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": ["FailureQueue", "Arn"]}
    assert template["Resources"]["FailureQueue"]["Type"] == "AWS::SQS::Queue"


def test_investments_expire_every_hour(template: dict[str, Any]) -> None:
    rules = [
        rule["Properties"]
        for rule in resources_of_type(template, "AWS::Events::Rule").values()
        if getatt_target(rule["Properties"]["Targets"]) == logical_id("expire_investments")
    ]

    assert [rule["ScheduleExpression"] for rule in rules] == ["rate(1 hour)"]


# --- API keys, usage plan, gateway responses -----------------------------------------------


def test_the_api_takes_its_key_from_the_authorizer(template: dict[str, Any]) -> None:
    (api,) = resources_of_type(template, "AWS::ApiGateway::RestApi").values()

    assert api["Properties"]["ApiKeySourceType"] == "AUTHORIZER"


def test_the_usage_plan_throttles_and_counts_per_day(
    stage: PackagedStage, template: dict[str, Any]
) -> None:
    (plan,) = resources_of_type(template, "AWS::ApiGateway::UsagePlan").values()
    properties = plan["Properties"]

    assert properties["Throttle"] == {"BurstLimit": 400, "RateLimit": 100}
    assert properties["Quota"] == {
        "Limit": stage_params(stage.stage)["quotaPerDay"],
        "Period": "DAY",
    }


def test_the_api_key_value_comes_from_ssm_at_deploy_time(
    stage: PackagedStage, template: dict[str, Any]
) -> None:
    (key_id, key), *others = resources_of_type(template, "AWS::ApiGateway::ApiKey").items()
    (plan_key,) = resources_of_type(template, "AWS::ApiGateway::UsagePlanKey").values()
    version = stage_params(stage.stage)["apiKeyVersion"]

    assert others == []
    assert key["Properties"]["Value"] == (
        f"{{{{resolve:ssm:/market-api/{stage.stage}/api-key:{version}}}}}"
    )
    assert plan_key["Properties"]["KeyId"] == {"Ref": key_id}


def test_gateway_errors_carry_cors_headers_and_json(
    stage: PackagedStage, template: dict[str, Any]
) -> None:
    origin = stage_params(stage.stage)["corsOrigin"]
    responses = resources_of_type(template, "AWS::ApiGateway::GatewayResponse")
    types = {response["Properties"]["ResponseType"] for response in responses.values()}

    assert {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "THROTTLED", "QUOTA_EXCEEDED"} <= types
    for response in responses.values():
        properties = response["Properties"]
        headers = properties["ResponseParameters"]
        allow_origin = headers["gatewayresponse.header.Access-Control-Allow-Origin"]
        allow_headers = headers["gatewayresponse.header.Access-Control-Allow-Headers"]
        assert allow_origin == f"'{origin}'"
        assert {"Authorization", "Content-Type"} <= set(allow_headers.strip("'").split(","))
        body = properties["ResponseTemplates"]["application/json"]
        assert '"error_message":' in body and '"error_code":' in body


# --- tables ----------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["UsersTable", "MarketsTable"])
def test_tables_keep_their_data_safe(template: dict[str, Any], table: str) -> None:
    resource = template["Resources"][table]
    properties = resource["Properties"]

    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}


def test_tables_are_named_from_the_stage_prefixes(
    stage: PackagedStage, template: dict[str, Any]
) -> None:
    prefix = f"{SERVICE}-{stage.stage}"
    resources = template["Resources"]

    assert resources["UsersTable"]["Properties"]["TableName"] == f"{prefix}-users"
    assert resources["MarketsTable"]["Properties"]["TableName"] == f"{prefix}-markets"


def test_the_markets_table_has_one_index_gsi1(template: dict[str, Any]) -> None:
    properties = template["Resources"]["MarketsTable"]["Properties"]

    assert "GlobalSecondaryIndexes" not in template["Resources"]["UsersTable"]["Properties"]
    assert properties["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "gsi1",
            "KeySchema": [
                {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    types = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    assert types == {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"}


# --- IAM ---------------------------------------------------------------------------------------


def test_each_function_has_a_role_of_its_own(template: dict[str, Any]) -> None:
    roles = [role_of(template, function)[0] for function in PYTHON_FUNCTIONS]

    assert len(set(roles)) == len(roles)
    assert "IamRoleLambdaExecution" not in template["Resources"]


def test_no_statement_grants_everything(template: dict[str, Any]) -> None:
    for role_id, role in resources_of_type(template, "AWS::IAM::Role").items():
        for statement in statements(role):
            actions = set(as_list(statement["Action"]))
            assert statement["Effect"] == "Allow"
            assert not any(action == "*" or action.endswith(":*") for action in actions), role_id
            if "*" in as_list(statement["Resource"]):
                assert actions <= UNSCOPABLE_ACTIONS, (role_id, actions)


def test_roles_grant_exactly_the_access_table(
    stage: PackagedStage, template: dict[str, Any]
) -> None:
    custom = serverless_config()["custom"]
    levels = custom["accessLevels"]
    for function in PYTHON_FUNCTIONS:
        grants = custom["access"][function] or {}
        _, role = role_of(template, function)
        granted: dict[str, set[str]] = {}
        for statement in statements(role):
            for resource in as_list(statement["Resource"]):
                key = json.dumps(resource, sort_keys=True)
                granted.setdefault(key, set()).update(as_list(statement["Action"]))

        expected: dict[str, set[str]] = {}
        log_group = (
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
            f"/aws/lambda/{SERVICE}-{stage.stage}-{function}:*"
        )
        expected[json.dumps({"Fn::Sub": log_group})] = {"logs:CreateLogStream", "logs:PutLogEvents"}
        for table, level in (grants.get("tables") or {}).items():
            definition = custom["tables"][table]
            arn = {"Fn::GetAtt": [definition["resource"], "Arn"]}
            expected[json.dumps(arn, sort_keys=True)] = set(levels[level])
            for index in definition.get("indexes", []):
                index_arn = {"Fn::Join": ["/", [arn, "index", index]]}
                expected[json.dumps(index_arn, sort_keys=True)] = {"dynamodb:Query"}
        if grants.get("stream"):
            stream = {"Fn::GetAtt": [custom["tables"][grants["stream"]]["resource"], "StreamArn"]}
            expected[json.dumps(stream, sort_keys=True)] = set(levels["stream"])
            expected[json.dumps("*")] = {"dynamodb:ListStreams"}
        if grants.get("queue"):
            queue = {"Fn::GetAtt": [grants["queue"], "Arn"]}
            expected[json.dumps(queue, sort_keys=True)] = {"sqs:SendMessage"}
        for name in grants.get("parameters") or []:
            arn = (
                "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:"
                f"parameter/market-api/{stage.stage}/{name}"
            )
            expected[json.dumps({"Fn::Sub": arn})] = {"ssm:GetParameters"}

        assert granted == expected, function


def test_write_access_covers_a_transaction_and_read_access_writes_nothing() -> None:
    levels = serverless_config()["custom"]["accessLevels"]

    assert set(levels["read"]) == READ_ACTIONS
    assert set(levels["write"]) == READ_ACTIONS | WRITE_ACTIONS
    assert "dynamodb:TransactWriteItems" not in levels["write"]
    for name, actions in levels.items():
        if name not in ("read", "write", "stream"):
            assert set(actions) <= set(levels["write"]), name


def test_no_function_gets_a_whole_level_of_bounds() -> None:
    """`read` and `write` only bound the other levels: every function gets exactly its calls."""
    for function, grants in serverless_config()["custom"]["access"].items():
        levels = set((grants.get("tables") or {}).values())
        assert not levels & {"read", "write"}, function


def test_the_authorizer_reads_only_its_parameters(template: dict[str, Any]) -> None:
    _, role = role_of(template, "capability_authorizer")
    actions = {action for s in statements(role) for action in as_list(s["Action"])}

    assert actions == {"logs:CreateLogStream", "logs:PutLogEvents", "ssm:GetParameters"}


def test_the_stream_consumer_reads_the_markets_stream(template: dict[str, Any]) -> None:
    _, role = role_of(template, "process_stream")
    by_action = {}
    for statement in statements(role):
        for action in as_list(statement["Action"]):
            by_action.setdefault(action, []).extend(as_list(statement["Resource"]))

    stream = {"Fn::GetAtt": ["MarketsTable", "StreamArn"]}
    for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"):
        assert by_action[action] == [stream]
    assert by_action["sqs:SendMessage"] == [{"Fn::GetAtt": ["FailureQueue", "Arn"]}]
    # Exactly what the summaries call (test_template_matches_code.py records it): reads of
    # the markets table, puts and updates of its derived items, puts of member summaries.
    # It deletes nothing and sends no ConditionCheck.
    on_resource: dict[str, set[str]] = {}
    for action, resources in by_action.items():
        for resource in resources:
            target = resource.get("Fn::GetAtt") if isinstance(resource, dict) else None
            if target is not None and target[1] == "Arn":
                on_resource.setdefault(target[0], set()).add(action)
    assert on_resource == {
        "MarketsTable": {
            "dynamodb:BatchGetItem",
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        },
        "UsersTable": {"dynamodb:PutItem"},
        "FailureQueue": {"sqs:SendMessage"},
    }
    assert not {"dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"} & set(by_action)


# --- configuration -------------------------------------------------------------------------


def test_environment_holds_names_and_settings_but_no_secret(
    stage: PackagedStage, template: dict[str, Any]
) -> None:
    for function in PYTHON_FUNCTIONS:
        variables = template["Resources"][logical_id(function)]["Properties"]["Environment"][
            "Variables"
        ]
        assert variables["STAGE"] == stage.stage
        assert variables["USERS_TABLE"] == f"{SERVICE}-{stage.stage}-users"
        assert variables["MARKETS_TABLE"] == f"{SERVICE}-{stage.stage}-markets"
        assert variables["CAPABILITY_ALGORITHMS"] == "HS256"
        parameter_path = f"/market-api/{stage.stage}/"
        assert variables["CAPABILITY_SECRET_PARAMETER"] == f"{parameter_path}capability-secret"
        assert variables["API_KEY_PARAMETER"] == f"{parameter_path}api-key"
        assert variables["CAPABILITY_PREVIOUS_SECRET_PARAMETER"] in (
            "",
            f"{parameter_path}capability-previous-secret",
        )
        assert not any(name.startswith("POWERTOOLS") for name in variables)
        for name, value in variables.items():
            assert isinstance(value, str), name
            if name.endswith("_PARAMETER"):
                assert value == "" or value.startswith(parameter_path), name
                continue
            assert not SECRET_NAME.search(name), name
            assert not SECRET_VALUE.search(value), name


def test_functions_log_json(template: dict[str, Any]) -> None:
    for function in PYTHON_FUNCTIONS:
        config = template["Resources"][logical_id(function)]["Properties"]["LoggingConfig"]
        assert config["LogFormat"] == "JSON"


def test_provisioned_concurrency_is_off_by_default(
    stage: PackagedStage, template: dict[str, Any]
) -> None:
    if stage_params(stage.stage)["provisionedConcurrency"] != 0:
        pytest.skip(f"{stage.stage} sets provisioned concurrency")

    assert resources_of_type(template, "AWS::Lambda::Alias") == {}


# --- warm-up and alarms ----------------------------------------------------------------------


def test_the_warmer_pings_the_api_functions_where_enabled(stage: PackagedStage) -> None:
    template = stage.template
    warmers = {
        name: resource
        for name, resource in resources_of_type(template, "AWS::Lambda::Function").items()
        if name.startswith("WarmUpPlugin")
    }
    if not stage_params(stage.stage)["warmup"]:
        assert warmers == {}
        return

    ((warmer_id, _),) = warmers.items()
    schedules = [
        rule["Properties"]["ScheduleExpression"]
        for rule in resources_of_type(template, "AWS::Events::Rule").values()
        if getatt_target(rule["Properties"]["Targets"]) == warmer_id
    ]
    assert schedules == ["rate(5 minutes)"]

    with stage.artifact("warmUpPluginDefault.zip") as archive:
        (source_name,) = [name for name in archive.namelist() if name.endswith("index.mjs")]
        source = archive.read(source_name).decode()
        assert not [name for name in archive.namelist() if name.endswith(".py")]
    listed = json.loads(source.split("const functions = ", 1)[1].split(";\n", 1)[0])
    assert {entry["name"] for entry in listed} == {
        f"{SERVICE}-{stage.stage}-{function}" for function in (*ROUTES, "capability_authorizer")
    }
    for entry in listed:
        assert json.loads(entry["config"]["payload"]) == {"source": "serverless-plugin-warmup"}

    role_id = getatt_target(template["Resources"][warmer_id]["Properties"]["Role"])
    invocable = {
        json.dumps(resource)
        for statement in statements(template["Resources"][role_id])
        if "lambda:InvokeFunction" in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }
    assert invocable == {
        json.dumps(
            {
                "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:"
                f"function:{entry['name']}"
            }
        )
        for entry in listed
    }


def test_alarms_notify_the_alarm_topic(template: dict[str, Any]) -> None:
    alarms = [
        alarm["Properties"]
        for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    ]
    topic = template["Resources"]["AlarmTopic"]["Properties"]

    assert topic["Subscription"][0]["Protocol"] == "email"
    assert all(alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}] for alarm in alarms)
    watched = {
        (alarm["MetricName"], json.dumps(alarm["Dimensions"], sort_keys=True)) for alarm in alarms
    }
    for function in PYTHON_FUNCTIONS:
        dimension = json.dumps([{"Name": "FunctionName", "Value": {"Ref": logical_id(function)}}])
        assert ("Errors", dimension) in watched, function
        assert ("Throttles", dimension) in watched, function
    stream = json.dumps([{"Name": "FunctionName", "Value": {"Ref": logical_id("process_stream")}}])
    assert ("IteratorAge", stream) in watched
    queue = json.dumps(
        [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailureQueue", "QueueName"]}}]
    )
    assert ("ApproximateNumberOfMessagesVisible", queue) in watched


# --- what gets uploaded ------------------------------------------------------------------------


def test_the_layer_is_attached_to_every_python_function(template: dict[str, Any]) -> None:
    (layer_id,) = resources_of_type(template, "AWS::Lambda::LayerVersion")
    layer = template["Resources"][layer_id]["Properties"]

    assert layer["CompatibleRuntimes"] == [RUNTIME]
    assert layer["CompatibleArchitectures"] == [ARCHITECTURE]
    for function in PYTHON_FUNCTIONS:
        properties = template["Resources"][logical_id(function)]["Properties"]
        assert properties["Layers"] == [{"Ref": layer_id}], function


def test_the_layer_is_built_for_lambda_without_boto3(stage: PackagedStage) -> None:
    with stage.artifact("dependencies.zip") as archive:
        names = archive.namelist()
        (core,) = [n for n in names if re.match(r"python/pydantic_core/_pydantic_core\..*\.so$", n)]
        elf = archive.read(core)[:20]

    top_level = {name.split("/")[1] for name in names if name.count("/") >= 2}
    assert {"pydantic", "pydantic_core", "jwt", "dependency_injector"} <= top_level
    assert not top_level & {"boto3", "botocore", "s3transfer", "cryptography"}
    assert elf[:4] == b"\x7fELF"
    assert int.from_bytes(elf[18:20], "little") == ELF_MACHINE[ARCHITECTURE]
    assert "linux-gnu" in core


def test_the_layer_ships_bytecode_that_survives_the_zip(stage: PackagedStage) -> None:
    stamp = json.loads((ROOT / "deploy" / ".build" / "layer" / ".stamp.json").read_text())
    if not stamp["bytecode"]:
        pytest.skip("no Python 3.11 on this machine to compile the layer's bytecode with")

    with stage.artifact("dependencies.zip") as archive:
        pycs = [n for n in archive.namelist() if n.startswith("python/pydantic/__pycache__/")]
        flags = {int.from_bytes(archive.read(name)[4:8], "little") for name in pycs}

    assert pycs, "the layer has no bytecode for pydantic"
    # PEP 552: bit 0 hash-based, bit 1 check the source; unchecked-hash ignores zip mtimes.
    assert flags == {0b01}


def test_the_code_zip_holds_only_runtime_packages(stage: PackagedStage) -> None:
    with stage.artifact(f"{SERVICE}.zip") as archive:
        names = archive.namelist()

    assert {"domain/__init__.py", "ports/__init__.py", "adapters/__init__.py"} <= set(names)
    assert all(name.split("/")[0] in {"domain", "ports", "adapters"} for name in names), names
    assert not [n for n in names if n.startswith(("adapters/local/", "adapters/deployment/"))]
    assert not [n for n in names if "/tests/" in n or n.rsplit("/", 1)[-1].startswith("test_")]
    # Bytecode only where CPython 3.11 looks for it, and of no other version or optimisation.
    for name in names:
        if name.endswith(".pyc") or "__pycache__" in name:
            assert re.fullmatch(rf".+/__pycache__/\w+\.{BYTECODE_TAG}\.pyc", name), name


def test_the_code_zip_holds_every_handler_that_exists(stage: PackagedStage) -> None:
    with stage.artifact(f"{SERVICE}.zip") as archive:
        names = set(archive.namelist())

    for function in PYTHON_FUNCTIONS:
        module = Path("adapters", "aws_lambda", f"{function}.py")
        if (ROOT / module).exists():
            assert module.as_posix() in names, function


def test_the_code_zip_holds_all_the_runtime_code(stage: PackagedStage) -> None:
    with stage.artifact(f"{SERVICE}.zip") as archive:
        names = {name for name in archive.namelist() if not name.endswith("/")}
    bytecode = {name for name in names if "/__pycache__/" in name}

    assert names - bytecode == stage.runtime_files
    assert bytecode == expected_bytecode(stage.runtime_files, BYTECODE_TAG)


def test_the_code_zip_ships_bytecode_that_survives_the_zip(stage: PackagedStage) -> None:
    """Lambda mounts the code read-only: without shipped bytecode, every cold start compiles
    every module it imports. Unchecked-hash bytecode stays valid although the zip resets the
    file times, and each file must be of the source shipped beside it."""
    with stage.artifact(f"{SERVICE}.zip") as archive:
        names = set(archive.namelist())
        pycs = {name: archive.read(name) for name in names if name.endswith(".pyc")}
        sources = {name: archive.read(name) for name in names if name.endswith(".py")}

    assert pycs, "the code zip has no bytecode"
    magic = importlib.util.MAGIC_NUMBER
    for name, data in pycs.items():
        folder, _, file_name = name.rpartition("/__pycache__/")
        source = f"{folder}/{file_name.split('.')[0]}.py"
        assert data[:4] == magic, name
        # PEP 552: bit 0 hash-based, bit 1 check the source; unchecked-hash ignores zip mtimes.
        assert int.from_bytes(data[4:8], "little") == 0b01, name
        assert data[8:16] == importlib.util.source_hash(sources[source]), name


def test_staging_refuses_a_python_other_than_the_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytecode of another Python would be ignored by Lambda's, and recompiled at every cold
    start: stage_code.py stops before copying anything."""
    spec = importlib.util.spec_from_file_location(
        "stage_code", ROOT / "deploy" / "scripts" / "stage_code.py"
    )
    assert spec is not None and spec.loader is not None
    stage_code = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage_code)
    assert f"python{'.'.join(map(str, stage_code.lambda_python()))}" == RUNTIME

    monkeypatch.setattr(stage_code, "lambda_python", lambda: (3, 99))
    monkeypatch.setattr(stage_code, "stage", lambda package: pytest.fail(f"staged {package}"))
    with pytest.raises(SystemExit, match=r"runs python3\.99 but this is Python 3\."):
        stage_code.main()


def test_packaging_time_is_recorded(
    packaged: dict[str, PackagedStage], record_testsuite_property: Any
) -> None:
    for name, result in packaged.items():
        record_testsuite_property(f"package_seconds_{name}", round(result.seconds, 1))
        assert result.seconds < 180, f"packaging {name} took {result.seconds:.0f} s"


def test_zip_artifacts_are_valid(stage: PackagedStage) -> None:
    for artifact in stage.folder.glob("*.zip"):
        with zipfile.ZipFile(artifact) as archive:
            assert archive.testzip() is None, artifact.name
