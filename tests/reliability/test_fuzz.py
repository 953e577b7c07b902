"""Schemathesis against the OpenAPI document the gateway serves (/openapi.json), with real
tokens: an account token for `POST /create` and the summaries, a market token (the admin's
or a member's, by turns) for every other route, none for the sign-in (whose `id_token` is a
real one half of the time). Each operation gets a fresh market; path parameters, ids in
positive bodies and the summaries' `id` are its real ids half of the time, so the cases
reach the rules and not only the 404s. The positive and negative runs of an operation share
its market.

Checks on every answer: no 5xx, a documented status, the documented content type, headers
and body schema, a JSON body with CORS headers; on negative cases, no 2xx for data the
document forbids; and the authentication the document declares is enforced.

`make test` runs FUZZ_MAX_EXAMPLES=25 per operation and generation mode, derandomized
(the same cases every run); `make fuzz` runs many more with a seed of its own.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.integration.gateway.flows import (
    create_investible,
    create_market,
    id_token,
    join,
    sign_in,
    unique_email,
)
from tests.integration.gateway.running import ROOT, Client, RunningGateway
from tests.reliability.figures import Figures
from tests.reliability.processes import Dynamodb, start_reliable_gateway

schemathesis = pytest.importorskip("schemathesis")

from schemathesis import Case, GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.aws

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
SEED = os.environ.get("FUZZ_SEED")
# moto copies a table for each item of a transaction, so a table that grows makes every write
# slower: a long run gives each test a DynamoDB and gateway of its own.
SCOPE = "function" if MAX_EXAMPLES > 100 else "module"
OPERATIONS = sorted(
    (method.upper(), path)
    for path, methods in json.loads((ROOT / "docs" / "openapi.json").read_text())["paths"].items()
    for method in methods
)
AUTH_PROBES = 5
# Operations that answer 2xx to some input the document forbids, spared the negative-data
# check: none known (GET /summaries/versions was, for empty `id`s; it now answers 400).
LENIENT: frozenset[tuple[str, str]] = frozenset()
ACCOUNT_TOKEN_PATHS = ("/create", "/summaries/versioned", "/summaries/versions")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Scene:
    """What one operation is fuzzed against: a fresh market, its people and ids."""

    account_token: str
    admin_token: str
    member_token: str
    market_id: str
    member_id: str
    investible_id: str
    stage_id: str
    id_token: str


# A body over 64 KiB is refused with 413, which schemathesis does not expect by default.
CONFIG = {
    "checks": {
        "negative_data_rejection": {
            "expected-statuses": [400, 401, 403, 404, 409, 413, 422, 429],
        }
    }
}


@pytest.fixture(scope=SCOPE)
def gateway(tmp_path_factory: pytest.TempPathFactory, figures: Figures) -> Iterator[RunningGateway]:
    """A DynamoDB and a gateway of their own, without a stream poller: the consumer is not
    what is fuzzed here, and its writes would slow every request."""
    dynamodb = Dynamodb()
    try:
        running = start_reliable_gateway(
            tmp_path_factory.mktemp("fuzz"), dynamodb.url, "--no-streams"
        )
        try:
            yield running
            figures.absorb(running)
        finally:
            running.stop()
    finally:
        dynamodb.stop()


@pytest.fixture(scope=SCOPE)
def served_schema(gateway: RunningGateway) -> Any:
    config = schemathesis.Config.from_dict(CONFIG)
    schema = schemathesis.openapi.from_url(gateway.url + "/openapi.json", config=config)
    served = sorted((op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations())
    assert served == OPERATIONS, "the served document is not docs/openapi.json"
    return schema


@pytest.fixture(scope=SCOPE)
def account(gateway: RunningGateway) -> str:
    client = gateway.client()
    token: str = sign_in(client, unique_email("fuzz-admin"))["uclusion_token"]
    client.close()
    return token


@pytest.fixture(scope=SCOPE)
def scenes() -> dict[tuple[str, str], Scene]:
    return {}


@pytest.fixture
def scene(
    request: pytest.FixtureRequest,
    api: Client,
    account: str,
    scenes: dict[tuple[str, str], Scene],
) -> Scene:
    """The operation's scene, shared by its positive and negative runs."""
    params = request.node.callspec.params
    key = (params["method"], params["path"])
    if key not in scenes:
        scenes[key] = new_scene(api, account)
    return scenes[key]


def new_scene(api: Client, account: str) -> Scene:
    created = create_market(api, account, market_type="INITIATIVE", name="Fuzzed")
    member = join(api, unique_email("fuzz-member"), created["market"]["invite_capability"])
    investible = create_investible(api, created["token"], "Fuzzed")["investible"]["id"]
    return Scene(
        account_token=account,
        admin_token=created["token"],
        member_token=member["uclusion_token"],
        market_id=created["market"]["id"],
        member_id=member["user"]["id"],
        investible_id=investible,
        stage_id=created["stages"][0]["id"],
        id_token=id_token(api, unique_email("fuzz-newcomer")),
    )


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


def strategy(operation: Any, scene: Scene, mode: GenerationMode) -> Any:
    """Generated cases, and as many with the scene's real ids where the operation takes ids."""
    generated = operation.as_strategy(generation_mode=mode)
    real: dict[str, Any] = {}
    names = {p.name for p in operation.path_parameters}
    if "investible_id" in names:
        real["path_parameters"] = {"investible_id": scene.investible_id}
    if "user_id" in names:
        real["path_parameters"] = {"user_id": scene.member_id}
    if operation.path == "/summaries/versions":
        real["query"] = {"id": [scene.market_id]}
    if not real:
        return generated
    return st.one_of(generated, operation.as_strategy(generation_mode=mode, **real))


def headers_for(case: Case, scene: Scene, number: int) -> dict[str, str]:
    path = case.operation.path
    if path == "/sso/cognito":
        return {}
    if path in ACCOUNT_TOKEN_PATHS:
        return {"Authorization": scene.account_token}
    return {"Authorization": scene.admin_token if number % 2 == 0 else scene.member_token}


def with_real_ids(case: Case, scene: Scene, mode: GenerationMode, number: int) -> None:
    """Half the positive cases carry the scene's real ids (and identity token) in their body,
    so they get past the 401s and 404s (a negative case keeps its own: they may be what
    makes it invalid)."""
    body = case.body
    if mode is not GenerationMode.POSITIVE or not isinstance(body, dict) or number % 2:
        return
    real = {
        "id_token": scene.id_token,
        "investible_id": scene.investible_id,
        "stage_id": scene.stage_id,
        "current_stage_id": scene.stage_id,
        "user_id": scene.member_id,
    }
    for name, value in real.items():
        if name in body:
            body[name] = value


def json_with_cors(response: Any) -> str | None:
    """What is wrong with the answer's JSON or CORS headers, if anything (schemathesis keeps
    headers with lower-case names and a list of values each)."""
    headers = {name.lower(): values[-1] for name, values in response.headers.items()}
    if not headers.get("access-control-allow-origin"):
        return "no Access-Control-Allow-Origin"
    if not headers.get("content-type", "").startswith("application/json"):
        return f"content type {headers.get('content-type')!r}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return "a body that is not JSON"
    if response.status_code >= 400 and not (isinstance(body, dict) and "error_code" in body):
        return "an error without error_code"
    return None


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_fuzzed_requests_get_documented_json_answers_and_never_a_5xx(
    gateway: RunningGateway,
    served_schema: Any,
    scene: Scene,
    session: requests.Session,
    figures: Figures,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = served_schema[path][method]
    statuses: Counter[int] = Counter()
    checks = list(CHECKS)
    # Whether the declared authentication is enforced is a property of the operation: the
    # first successful cases probe it (each probe sends the request again without a token).
    probes = [] if path == "/sso/cognito" else [ignored_auth]
    if mode is GenerationMode.NEGATIVE and (method, path) not in LENIENT:
        checks.append(negative_data_rejection)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        print_blob=True,
    )
    @given(case=strategy(operation, scene, mode))
    def fuzz(case: Case) -> None:
        number = sum(statuses.values())
        with_real_ids(case, scene, mode, number)
        headers = headers_for(case, scene, number)
        response = case.call(base_url=gateway.url, session=session, headers=headers)
        statuses[response.status_code] += 1
        problem = json_with_cors(response)
        assert problem is None, (problem, response.status_code, response.text[:300])
        probing = probes if number < AUTH_PROBES else []
        case.validate_response(
            response,
            checks=[*checks, *probing],
            headers=headers,
            transport_kwargs={"session": session},
        )

    if SEED is not None:
        fuzz = seed(int(SEED))(fuzz)
    try:
        fuzz()
    finally:
        ran = sum(statuses.values())
        figures.add(f"cases.fuzz_{mode}", ran)
        figures.add("fuzz.answered_503", statuses[503])
        print(f"{method} {path} [{mode}]: {ran} cases, statuses {dict(sorted(statuses.items()))}")
    assert ran > 0


@pytest.mark.parametrize("query", ["?id=", "?id=&id="])
def test_the_versions_route_refuses_ids_the_document_forbids(
    api: Client, account: str, figures: Figures, query: str
) -> None:
    figures.add("cases.fuzz_known")

    reply = api.request("GET", "/summaries/versions" + query, token=account)

    assert reply.status == 400, reply.json
