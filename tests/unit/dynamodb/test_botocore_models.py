"""The cut-down botocore models hold every operation the adapters call, and nothing broken."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from adapters.aws_session import OPERATIONS
from scripts.trim_botocore_models import full_model, model_path, reachable_shapes

ROOT = Path(__file__).resolve().parents[3]
# The code a deployed function runs, less what never runs in one.
RUNTIME = [
    path
    for folder in ("adapters", "domain", "ports")
    for path in (ROOT / folder).rglob("*.py")
    if not {"local", "deployment", "memory"} & set(path.relative_to(ROOT).parts)
]


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _called_on_clients() -> set[str]:
    """Method names called on anything named `client` or `_client`/`_ssm` (`x.client.put_item`)."""
    called = set()
    for path in RUNTIME:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute | ast.Name):
                owner = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
                if owner in ("client", "_client", "_ssm"):
                    called.add(node.attr)
    return called


def _model(service: str) -> dict:
    return json.loads(model_path(service).read_text())


def test_every_operation_the_adapters_call_is_in_a_model():
    kept = {_snake(op) for ops in OPERATIONS.values() for op in ops}
    called = _called_on_clients()

    assert {"get_item", "transact_write_items", "get_parameters"} <= called
    assert called - kept == set()


@pytest.mark.parametrize("service", sorted(OPERATIONS))
def test_a_model_holds_its_operations_and_every_shape_they_reach(service: str):
    model = _model(service)

    assert sorted(model["operations"]) == sorted(OPERATIONS[service])
    assert set(model["shapes"]) == reachable_shapes(model, OPERATIONS[service])
    assert "documentation" not in json.dumps(model)


@pytest.mark.parametrize("service", sorted(OPERATIONS))
def test_a_model_agrees_with_the_installed_botocore(service: str):
    """Each kept operation and shape is botocore's own (less documentation), so a request
    is serialised as the full model would; a newer botocore may add members, never change."""
    model, full = _model(service), full_model(service)

    assert model["metadata"] == {k: v for k, v in full["metadata"].items() if k != "documentation"}
    for name, operation in model["operations"].items():
        assert operation["input"] == full["operations"][name]["input"]
        assert operation.get("output") == full["operations"][name].get("output")
    for name, shape in model["shapes"].items():
        assert shape["type"] == full["shapes"][name]["type"]
        assert set(shape.get("members", {})) <= set(full["shapes"][name].get("members", {}))


def _own_session(monkeypatch) -> None:
    """Fake credentials, and a session of the test's own: the process-wide one is left as
    it was (a session made now would not see a moto imported later, as other tests need)."""
    from adapters import aws_session

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setattr(aws_session, "_session", None)


def test_clients_from_the_shared_session_read_the_cut_down_models(monkeypatch):
    from botocore.config import Config

    from adapters import aws_session

    _own_session(monkeypatch)
    client = aws_session.client("dynamodb", Config(), region="us-east-1")

    assert sorted(client.meta.service_model.operation_names) == sorted(OPERATIONS["dynamodb"])
    assert hasattr(client, "transact_write_items") and not hasattr(client, "scan")


def test_a_service_without_a_cut_down_model_is_refused():
    from adapters import aws_session

    with pytest.raises(ValueError, match="no cut-down model"):
        aws_session.client("s3", None)


def test_the_cut_down_endpoint_data_is_botocores_own_for_the_services_called():
    from adapters.aws_session import ENDPOINTS
    from scripts.trim_botocore_models import full_endpoints, trimmed_endpoints

    cut, full = json.loads(ENDPOINTS.read_text()), full_endpoints()

    assert cut == trimmed_endpoints(full)
    names = [p["partition"] for p in full["partitions"]]
    assert [p["partition"] for p in cut["partitions"]] == names
    for partition in cut["partitions"]:
        assert set(partition["services"]) <= set(OPERATIONS)
    assert set(cut["partitions"][0]["services"]) == set(OPERATIONS)


class _Sent(Exception):
    """Raised by the hook below instead of sending: the request is complete by then."""


def _url_of_first_call(client, call) -> str:
    def stop(request, **_):
        raise _Sent(request.url)

    client.meta.events.register_first("before-sign", stop)
    try:
        call(client)
    except _Sent as sent:
        return str(sent)
    raise AssertionError("the request was not signed")


@pytest.mark.parametrize(
    ("region", "options"),
    [
        ("us-east-1", {}),
        ("eu-west-1", {}),
        ("cn-north-1", {}),
        ("us-gov-west-1", {}),
        ("us-east-1", {"use_fips_endpoint": True}),
        ("us-east-1", {"use_dualstack_endpoint": True}),
    ],
)
def test_requests_go_where_a_stock_botocore_sends_them(monkeypatch, region: str, options: dict):
    """The same URL for each call, from the shared session (cut-down data, its resolver) and
    from a plain botocore session (the full endpoint data)."""
    import botocore.session
    from botocore.config import Config

    from adapters import aws_session

    _own_session(monkeypatch)
    calls = {
        "dynamodb": lambda c: c.get_item(TableName="t", Key={"id": {"S": "1"}}),
        "ssm": lambda c: c.get_parameters(Names=["/a"], WithDecryption=True),
    }
    for service, call in calls.items():
        ours = aws_session.client(service, Config(**options), region=region)
        stock = botocore.session.get_session().create_client(
            service, region_name=region, config=Config(**options)
        )
        assert _url_of_first_call(ours, call) == _url_of_first_call(stock, call)
