"""The OpenAPI document: committed as generated, valid 3.1, every route once, true to the API.

The conformance tests run the real handlers on the in-memory store and check each answer
against the schema the document gives for that route and status.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import OpenAPIV31SpecValidator

from adapters.aws_lambda.api import domain_error_response, validation_response
from adapters.aws_lambda.schemas.markets import CreateMarket
from adapters.local.docs_page import docs_asset, swagger_ui_folder
from adapters.local.openapi import openapi_document, openapi_json
from adapters.memory import MemoryStore
from domain import errors
from domain.model import ObjectVersion, Signatures
from domain.views import signatures_view
from tests.support.events import api_event
from tests.support.harness import Harness, Response, wired

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.json"
REGENERATE = "python scripts/write_openapi.py"

# Every route of the HTTP contract (docs/API.md), with its method.
CONTRACT_ROUTES = {
    "POST /create",
    "GET /get",
    "PATCH /update",
    "POST /invest",
    "DELETE /invest/{}",
    "POST /list",
    "POST /investibles",
    "POST /investments",
    "POST /investibles/create",
    "GET /investibles/{}",
    "PATCH /investibles/{}",
    "PATCH /investibles/state/{}",
    "GET /users/get",
    "POST /users/ban/{}",
    "POST /sso/cognito",
    "GET /summaries/versioned",
    "GET /summaries/versions",
}
SHARED_STATUSES = {"400", "401", "403", "413", "429", "503"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node_path(node["$ref"]):
            target = target[part]
        node = target
    return node


def node_path(ref: str) -> list[str]:
    return ref.removeprefix("#/").split("/")


def test_the_committed_document_is_the_generated_one(document: dict[str, Any]):
    committed = COMMITTED.read_text() if COMMITTED.is_file() else ""

    assert committed == openapi_json(document), (
        f"docs/openapi.json is out of date with the routes and schemas: run `{REGENERATE}`"
        " and commit the result"
    )


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]):
    problems = [str(error) for error in OpenAPIV31SpecValidator(document).iter_errors()]

    assert document["openapi"] == "3.1.0"
    assert problems == []


def test_every_reference_points_into_the_document(document: dict[str, Any]):
    def refs(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(document):
        target: Any = document
        for part in node_path(ref):
            assert part in target, f"{ref} points nowhere"
            target = target[part]


def test_every_route_of_the_contract_appears_once_with_its_method(document: dict[str, Any]):
    documented = [re.sub(r"{\w+}", "{}", key) for key, _ in operations(document)]

    assert sorted(documented) == sorted(CONTRACT_ROUTES)
    assert len(set(documented)) == len(documented)


def test_the_version_is_the_projects():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert openapi_document()["info"]["version"] == project["version"]


def test_every_operation_answers_the_shared_statuses_with_cors(document: dict[str, Any]):
    for key, operation in operations(document):
        statuses = set(operation["responses"])
        assert statuses >= SHARED_STATUSES, key
        assert statuses & {"200", "201"}, key
        for status, response in operation["responses"].items():
            assert "Access-Control-Allow-Origin" in resolve(document, response)["headers"], (
                key,
                status,
            )
    unavailable = document["components"]["responses"]["ServiceUnavailable"]
    assert "Retry-After" in unavailable["headers"]


def test_writes_answer_208_and_409_and_reads_do_not(document: dict[str, Any]):
    fetches = {"POST /list", "POST /investibles", "POST /investments"}
    for key, operation in operations(document):
        write = not key.startswith("GET ") and key not in fetches
        assert ("208" in operation["responses"]) is write, key
        assert ("409" in operation["responses"]) is write, key


def test_only_the_sign_in_answers_410(document: dict[str, Any]):
    gone = [key for key, operation in operations(document) if "410" in operation["responses"]]

    assert gone == ["POST /sso/cognito"]


def test_security_follows_the_authorizer_and_the_summaries_take_the_query(
    document: dict[str, Any],
):
    for key, operation in operations(document):
        if key == "POST /sso/cognito":
            assert operation["security"] == [], key
        elif key.startswith("GET /summaries/"):
            assert operation["security"] == [{"capabilityToken": []}, {"capabilityTokenQuery": []}]
            assert "idToken" in {parameter["name"] for parameter in operation["parameters"]}
        else:
            assert operation["security"] == [{"capabilityToken": []}], key
    scheme = document["components"]["securitySchemes"]["capabilityToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")


def test_the_versions_route_takes_repeated_market_ids(document: dict[str, Any]):
    parameters = document["paths"]["/summaries/versions"]["get"]["parameters"]
    market_ids = next(parameter for parameter in parameters if parameter["name"] == "id")

    assert market_ids["in"] == "query" and market_ids["explode"] is True
    assert market_ids["schema"]["type"] == "array"


def test_request_bodies_are_the_handlers_models(document: dict[str, Any]):
    body = document["paths"]["/invest"]["post"]["requestBody"]
    schema = resolve(document, body["content"]["application/json"]["schema"])

    assert body["required"] is True
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"investible_id", "quantity"}
    assert "$defs" not in json.dumps(document)
    assert "requestBody" not in document["paths"]["/get"]["get"]
    assert document["paths"]["/investibles"]["post"]["requestBody"]["required"] is False


# The answers, as the handlers give them, against the document.


class Checked:
    """The harness, checking every answer against the document's schema for its status.

    A route's handler module is found by its operation id, the deployment's function name.
    """

    def __init__(self, api: Harness, document: dict[str, Any]) -> None:
        self.api = api
        self.document = document

    def call(self, status: int, route: str, **options: Any) -> Any:
        method, resource = route.split(" ", 1)
        module = self.operation(route)["operationId"]
        return self.check(status, route, self.api.call(module, method, resource, **options))

    def invoke(self, status: int, route: str, event: dict[str, Any]) -> Any:
        response = self.api.invoke(self.operation(route)["operationId"], event)
        return self.check(status, route, response)

    def operation(self, route: str) -> dict[str, Any]:
        method, path = route.split(" ", 1)
        operation: dict[str, Any] = self.document["paths"][path][method.lower()]
        return operation

    def check(self, status: int, route: str, response: Response) -> Any:
        assert response.status == status, (route, response.body)
        documented = self.operation(route)["responses"].get(str(status))
        assert documented is not None, f"{route} answered an undocumented {status}"
        documented = resolve(self.document, documented)
        schema = documented["content"]["application/json"]["schema"]
        validator = Draft202012Validator(
            {**schema, "components": self.document["components"]}, format_checker=FormatChecker()
        )
        problems = [error.message for error in validator.iter_errors(response.body)]
        assert problems == [], (route, status, response.body)
        for header in documented.get("headers", {}):
            assert header in response.headers, (route, status, header)
        return response.body


@pytest.fixture
def checked(document: dict[str, Any]) -> Iterator[Checked]:
    with wired(MemoryStore()) as api:
        yield Checked(api, document)


def test_market_and_investment_answers_match_the_document(checked: Checked):
    created = checked.api.create_market("admin@example.com")
    admin = created["token"]
    investible = checked.api.create_investible(admin)["investible"]["id"]
    invest = {"investible_id": investible, "quantity": 5}
    removal = {"token": admin, "path_parameters": {"investible_id": investible}}
    account = checked.api.sign_in("admin@example.com")["uclusion_token"]
    account_context = {"principalId": "u1", "user_id": "u1", "token_type": "account"}

    checked.call(200, "GET /get", token=admin)
    checked.call(200, "PATCH /update", token=admin, body={"name": "Lunch"})
    checked.call(409, "PATCH /update", token=admin, body={"version": 9, "name": "Brunch"})
    checked.call(200, "POST /invest", token=admin, body=invest, request_id="r1")
    checked.call(208, "POST /invest", token=admin, body=invest, request_id="r1")
    conflict = checked.call(409, "POST /invest", token=admin, body=invest)
    checked.call(400, "POST /invest", token=admin, body={**invest, "quantity": "5"})
    checked.call(400, "POST /invest", token=admin, raw_body="{")
    checked.call(413, "POST /invest", token=admin, raw_body="x" * 70_000)
    checked.call(200, "POST /list", token=admin, body={"list_type": "stages"})
    checked.call(200, "POST /list", token=admin, body={"list_type": "users"})
    checked.call(200, "POST /investibles", token=admin, body={})
    checked.call(200, "POST /investments", token=admin, body={})
    checked.call(200, "DELETE /invest/{investible_id}", **removal)
    checked.call(404, "DELETE /invest/{investible_id}", **removal)
    checked.invoke(403, "GET /get", api_event("GET", "/get", authorizer=account_context))
    new_market = {"market_type": "PLANNING", "name": "Roadmap"}
    checked.call(201, "POST /create", token=account, body=new_market)

    assert conflict["current_quantity"] == 5


def test_investible_user_and_sign_in_answers_match_the_document(checked: Checked):
    created = checked.api.create_market("admin@example.com")
    admin, market_id = created["token"], created["market"]["id"]
    stage_ids = {stage["name"]: stage["id"] for stage in created["stages"]}
    id_token = checked.api.id_token("member@example.com")
    invited = {"id_token": id_token, "market_token": created["market"]["invite_capability"]}
    login = {"id_token": id_token, "market_id": market_id}
    move = {"current_stage_id": stage_ids["Approvable"], "stage_id": stage_ids["Proposed"]}

    member = checked.call(200, "POST /sso/cognito", body=invited)["user"]["id"]
    checked.call(200, "POST /sso/cognito", body={"id_token": id_token})
    checked.call(200, "POST /sso/cognito", body=login)
    checked.call(404, "POST /sso/cognito", body={**login, "market_id": "nope"})
    checked.call(400, "POST /sso/cognito", body={"id_token": ""})
    checked.call(401, "POST /sso/cognito", body={"id_token": "forged"})
    made = checked.call(201, "POST /investibles/create", token=admin, body={"name": "Pho"})
    one = {"token": admin, "path_parameters": {"investible_id": made["investible"]["id"]}}
    checked.call(200, "GET /investibles/{investible_id}", **one)
    checked.call(
        404, "GET /investibles/{investible_id}", token=admin, path_parameters={"investible_id": "x"}
    )
    edit = {"description": "Soup", "version": 1}
    checked.call(200, "PATCH /investibles/{investible_id}", body=edit, **one)
    checked.call(409, "PATCH /investibles/{investible_id}", body=edit, **one)
    checked.call(200, "PATCH /investibles/state/{investible_id}", body=move, **one)
    checked.call(409, "PATCH /investibles/state/{investible_id}", body=move, **one)
    checked.call(200, "GET /users/get", token=admin)
    banned = {"token": admin, "path_parameters": {"user_id": member}, "body": {"is_banned": True}}
    checked.call(200, "POST /users/ban/{user_id}", **banned)
    checked.call(410, "POST /sso/cognito", body=login)


def test_summary_answers_match_the_document(checked: Checked):
    created = checked.api.create_market("admin@example.com")
    account = checked.api.sign_in("admin@example.com")["uclusion_token"]
    by_query = {"idToken": [account], "id": [created["market"]["id"]]}
    too_many = {"id": [f"m{number}" for number in range(101)]}
    unsigned = {"authorize": False}

    checked.call(200, "GET /summaries/versioned", headers={"Authorization": account}, **unsigned)
    checked.call(200, "GET /summaries/versions", query=by_query, **unsigned)
    checked.call(400, "GET /summaries/versions", query={**by_query, **too_many}, **unsigned)
    checked.call(
        401, "GET /summaries/versioned", headers={"Authorization": "undefined"}, **unsigned
    )
    market_token = {"Authorization": created["token"]}
    checked.call(403, "GET /summaries/versioned", headers=market_token, **unsigned)


def test_signatures_and_refusals_match_the_document(document: dict[str, Any]):
    components = document["components"]

    def valid(name: str, value: object) -> list[str]:
        validator = Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", "components": components}
        )
        return [error.message for error in validator.iter_errors(value)]

    signatures = Signatures("m1")
    signatures.record("investment", ObjectVersion("i1", 3, "u1"))
    signatures.record("market", ObjectVersion("m1", 2))
    refusals = [
        errors.QuantityConflict(4),
        errors.VersionConflict(7),
        errors.StageConflict("s1"),
        errors.TemporarilyUnavailable(retry_after=2),
        errors.NotAdmin("Only admins."),
    ]

    assert valid("SignaturesAnswer", {"signatures": [signatures_view(signatures)]}) == []
    for refusal in refusals:
        answer = domain_error_response(refusal)
        assert valid("Error", json.loads(answer["body"])) == [], refusal
    with pytest.raises(Exception) as invalid:
        CreateMarket.model_validate({"market_type": "NOPE", "extra": 1})
    assert valid("Error", json.loads(validation_response(invalid.value)["body"])) == []
    assert "Retry-After" in domain_error_response(refusals[3])["headers"]


# The docs page.


def test_the_docs_page_loads_the_document_and_installed_swagger_ui():
    content_type, page = docs_asset("/docs") or ("", b"")

    assert content_type.startswith("text/html")
    assert swagger_ui_folder() is not None, "install the local extra: pip install -e '.[local]'"
    assert b"/docs/swagger-ui-bundle.js" in page and b"https://" not in page
    assert docs_asset("") == docs_asset("/docs/") == docs_asset("/docs")
    assert docs_asset("swagger-ui.css") == docs_asset("/docs/swagger-ui.css")
    starter = docs_asset("/docs/market-api-docs.js")
    assert starter is not None and b'"/openapi.json"' in starter[1]
    for asset, kind in (
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
    ):
        served = docs_asset(f"/docs/{asset}")
        assert served is not None and served[0].startswith(kind) and len(served[1]) > 10_000


@pytest.mark.parametrize(
    "path",
    [
        "/docs/../../etc/passwd",
        "/docs/..%2f..%2fetc%2fpasswd",
        "/docs//etc/passwd",
        "/docs/index.html",
        "/docs/swagger-ui-bundle.js.map",
        "/etc/passwd",
        "/docsswagger-ui.css",
        "../../etc/passwd",
        "x/../swagger-ui.css",
        "/",
    ],
)
def test_the_docs_serve_nothing_but_their_files(path: str):
    assert docs_asset(path) is None
