"""The deployment read as code: deploy/serverless.yml resolved, and tables made from it."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from adapters.deployment.model import DeploymentSpec
from adapters.deployment.spec import load_spec
from adapters.deployment.yaml_loader import load_yaml

pytestmark = pytest.mark.aws

KEYS = ({"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"})


def test_the_two_tables_are_named_by_stage_and_keyed_pk_sk(
    deployment_spec: DeploymentSpec,
) -> None:
    users = deployment_spec.table_named(deployment_spec.environment["USERS_TABLE"])
    markets = deployment_spec.table_named(deployment_spec.environment["MARKETS_TABLE"])

    assert users.name.endswith("-dev-users") and markets.name.endswith("-dev-markets")
    for table in (users, markets):
        assert table.key_schema == KEYS
        assert table.stream_view_type == "NEW_AND_OLD_IMAGES"
        assert table.ttl_attribute == "expires_at"
    [index] = markets.global_secondary_indexes
    assert index["IndexName"] == "gsi1"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["gsi1pk", "gsi1sk"]
    assert index["Projection"] == {"ProjectionType": "ALL"}


def test_tables_are_created_in_moto_exactly_as_declared(
    dynamodb_client: Any, deployment_spec: DeploymentSpec
) -> None:
    for declared in deployment_spec.tables.values():
        table = dynamodb_client.describe_table(TableName=declared.name)["Table"]
        ttl = dynamodb_client.describe_time_to_live(TableName=declared.name)

        assert tuple(table["KeySchema"]) == declared.key_schema
        assert table["StreamSpecification"] == declared.stream_specification
        assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
        assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
        indexes = [i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])]
        assert indexes == [i["IndexName"] for i in declared.global_secondary_indexes]


def test_routes_authorizer_stream_and_schedule_come_from_the_file(
    deployment_spec: DeploymentSpec,
) -> None:
    routes = {(e.method, e.path): f.name for f, e in deployment_spec.routes}
    [authorizer] = deployment_spec.authorizers.values()
    [consumer] = [f for f in deployment_spec.functions.values() if f.streams]
    [stream] = consumer.streams

    assert ("POST", "/invest") in routes and ("DELETE", "/invest/{investible_id}") in routes
    assert authorizer.result_ttl_seconds == 300 and authorizer.type == "token"
    assert deployment_spec.table(stream.table or "").name.endswith("-markets")
    assert stream.function_response_type == "ReportBatchItemFailures"
    assert stream.bisect_batch_on_function_error and stream.on_failure is not None
    assert any(s.rates for f in deployment_spec.functions.values() for s in f.schedules)
    assert deployment_spec.usage_plans[0].quota_period == "DAY"
    assert deployment_spec.api_key_source_type == "AUTHORIZER"


def test_a_stage_gets_its_own_params_over_the_defaults() -> None:
    dev, prod = load_spec(stage="dev"), load_spec(stage="prod")

    assert dev.environment["USERS_TABLE"] != prod.environment["USERS_TABLE"]
    assert prod.environment["USERS_TABLE"].endswith("-prod-users")
    assert dev.usage_plans[0].quota_limit != prod.usage_plans[0].quota_limit


SERVERLESS = """
service: shop
params:
  default:
    prefix: ${self:service}-${sls:stage}
    quota: 100
    flag: false
  prod:
    quota: 900
provider:
  name: aws
  stage: ${opt:stage, 'dev'}
  region: ${opt:region, 'eu-west-1'}
  environment:
    TABLE: ${self:custom.names.orders}
    QUOTA: ${param:quota}
    SECRET: ${ssm:/shop/secret}
    HOME_OR_DEFAULT: ${env:SHOP_UNSET_VARIABLE, 'fallback'}
    PICKED: ${self:custom.choice.${param:flag}}
    REGION: ${aws:region}
  apiGateway:
    apiKeys:
      - plain-key
      - {name: named-key, value: abc}
      - free: [grouped-key]
    usagePlan:
      - free:
          quota: {limit: '${param:quota}', period: MONTH}
          throttle: {burstLimit: 5, rateLimit: 2}
custom:
  names:
    orders: ${param:prefix}-orders
  choice:
    'true': chosen
    'false': not-chosen
functions:
  api:
    handler: app/api.handler
    environment:
      ONLY_HERE: x
    events:
      - http: GET orders/{id}
      - http: {method: post, path: /orders, cors: true, authorizer: auth}
  consumer:
    handler: app/consumer.handler
    events:
      - stream: arn:aws:dynamodb:eu-west-1:1:table/shop-dev-orders/stream/2024
      - schedule: {rate: [rate(1 hour), 'cron(0 1 * * ? *)'], enabled: false, input: {a: 1}}
resources:
  Resources:
    Orders: ${file(./tables.yml):Orders}
    Role:
      Type: AWS::IAM::Role
      Properties:
        Arn: !GetAtt Orders.Arn
        Name: !Sub '${AWS::StackName}-role'
        Ref: !Ref Orders
"""

TABLES = """
Orders:
  Type: AWS::DynamoDB::Table
  Properties:
    TableName: ${self:custom.names.orders}
    BillingMode: PAY_PER_REQUEST
    AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
    KeySchema: [{AttributeName: pk, KeyType: HASH}]
    StreamSpecification: {StreamViewType: NEW_IMAGE}
"""


@pytest.fixture
def written(tmp_path: Path) -> Path:
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    (tmp_path / "tables.yml").write_text(TABLES)
    return tmp_path / "serverless.yml"


def test_variables_resolve_with_fallbacks_nesting_params_and_files(
    written: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOP_UNSET_VARIABLE", raising=False)

    spec = load_spec(written, stage="prod", region="us-west-2")

    assert spec.environment == {
        "TABLE": "shop-prod-orders",
        "QUOTA": "900",
        "SECRET": "${ssm:/shop/secret}",
        "HOME_OR_DEFAULT": "fallback",
        "PICKED": "not-chosen",
        "REGION": "us-west-2",
    }
    assert spec.document["provider"]["stage"] == "prod"
    assert spec.tables["Orders"].name == "shop-prod-orders"
    assert spec.tables["Orders"].stream_view_type == "NEW_IMAGE"
    assert spec.tables["Orders"].ttl_attribute is None


def test_short_tags_become_plain_mappings(written: Path) -> None:
    role = load_spec(written).resources["Resources"]["Role"]["Properties"]

    assert role["Arn"] == {"Fn::GetAtt": ["Orders", "Arn"]}
    assert role["Name"] == {"Fn::Sub": "${AWS::StackName}-role"}
    assert role["Ref"] == {"Ref": "Orders"}
    assert load_yaml("x: !Join [',', [a, b]]") == {"x": {"Fn::Join": [",", ["a", "b"]]}}


def test_function_events_in_every_form_are_read(written: Path) -> None:
    spec = load_spec(written)
    api, consumer = spec.functions["api"], spec.functions["consumer"]

    assert [(e.method, e.path) for e in api.http] == [("GET", "/orders/{id}"), ("POST", "/orders")]
    assert api.http[1].cors is not None and "Authorization" in api.http[1].cors.headers
    assert api.http[1].authorizer is not None and api.http[1].authorizer.name == "auth"
    assert api.environment["ONLY_HERE"] == "x" and api.environment["TABLE"] == "shop-dev-orders"
    assert (api.module, api.attribute) == ("app.api", "handler")
    [stream] = consumer.streams
    assert stream.table == "Orders" and stream.batch_size == 100
    [schedule] = consumer.schedules
    assert schedule.rates == ("rate(1 hour)", "cron(0 1 * * ? *)")
    assert not schedule.enabled and schedule.input == {"a": 1}


def test_usage_plans_and_api_keys_are_read_in_every_form(written: Path) -> None:
    spec = load_spec(written)

    [plan] = spec.usage_plans
    assert (plan.name, plan.quota_limit, plan.quota_period) == ("free", 100, "MONTH")
    assert (plan.throttle_burst_limit, plan.throttle_rate_limit) == (5, 2.0)
    assert [(k.name, k.value) for k in spec.api_keys] == [
        ("plain-key", None),
        ("named-key", "abc"),
        ("grouped-key", None),
    ]


def test_a_variable_cycle_is_reported_not_looped(tmp_path: Path) -> None:
    file = tmp_path / "serverless.yml"
    file.write_text(
        textwrap.dedent(
            """
            service: loop
            custom: {a: '${self:custom.b}', b: '${self:custom.a}'}
            """
        )
    )

    with pytest.raises(ValueError, match="cycle"):
        load_spec(file)
