"""Bad input on every route, over HTTP: malformed JSON, wrong types, nulls, missing and extra
fields, out-of-range and non-integer quantities, huge strings, bodies over 64 KiB, control
characters and unpaired surrogates, and ids of every odd shape in paths, bodies and queries.

Every answer is a 4xx (or, on a read, a harmless 2xx) with a JSON error body and CORS
headers, never a 5xx, and nothing is written: both tables are the same after the stream has
drained. Printable format characters (bidi overrides, zero-width joiners, a BOM) are text:
they are stored and answered back exactly.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests.integration.gateway.flows import (
    create_investible,
    create_market,
    id_token,
    join,
    sign_in,
    unique_email,
)
from tests.integration.gateway.running import Client, RunningGateway
from tests.reliability.answers import assert_json_with_cors
from tests.reliability.bad_values import (
    HUNDRED_AND_ONE,
    ODD_IDS,
    READ_OK,
    ROUTES,
    Case,
    Route,
    Scene,
    body_cases,
    cases_of,
    short,
)
from tests.reliability.figures import Figures

pytestmark = pytest.mark.aws


@pytest.fixture(scope="module")
def scene(gateway: RunningGateway) -> Scene:
    client = gateway.client()
    account = sign_in(client, unique_email("input-admin"))["uclusion_token"]
    created = create_market(client, account, market_type="DECISION", name="Bad input")
    member = join(client, unique_email("input-member"), created["market"]["invite_capability"])
    investible = create_investible(client, created["token"], "Target")["investible"]["id"]
    client.close()
    return Scene(
        account_token=account,
        admin_token=created["token"],
        member_token=member["uclusion_token"],
        member_id=member["user"]["id"],
        investible_id=investible,
        stage_ids=tuple(stage["id"] for stage in created["stages"]),
    )


def send(api: Client, route: Route, scene: Scene, case: Case) -> Any:
    path = case.path or route.path.replace("{id}", route.path_id(scene) if route.path_id else "")
    token = route.token(scene)
    if case.raw is not None:
        return api.request(route.method, path, token=token, raw=case.raw)
    return api.request(route.method, path, case.body, token=token)


def run_cases(api: Client, figures: Figures, send_one: Callable[[Case], Any], cases: list[Case]):
    """Send every case; returns what went wrong, one line each (all cases run regardless)."""
    problems = []
    for case in cases:
        reply = send_one(case)
        figures.add("cases.bad_input")
        try:
            assert_json_with_cors(reply)
            assert reply.status in case.statuses, f"status {reply.status}"
            if reply.status >= 400:
                assert isinstance(reply.json, dict) and "error_code" in reply.json, "no error"
        except AssertionError as error:
            problems.append(f"{case.label}: {error} {reply.raw[:200]!r}")
    return problems


@pytest.mark.parametrize("route_name", list(ROUTES))
def test_bad_input_is_refused_with_json_and_cors_and_writes_nothing(
    api: Client, scene: Scene, figures: Figures, untouched: None, route_name: str
) -> None:
    route = ROUTES[route_name]
    cases = cases_of(route_name, scene)

    problems = run_cases(api, figures, lambda case: send(api, route, scene, case), cases)

    assert not problems, "\n".join(problems)


def test_bad_sign_in_bodies_are_refused_and_write_nothing(
    api: Client, scene: Scene, figures: Figures, untouched: None
) -> None:
    valid = id_token(api, unique_email("never-signs-in"))
    base = {"id_token": valid}
    route = Route("POST", "/sso/cognito", lambda s: "", lambda s: base, required=("id_token",))
    cases = body_cases(route, base) + [
        Case(f"id_token={short(value)}", {"id_token": value})
        for value in ["", "x" * 8193, 5, None, ["x"]]
    ]
    cases += [Case(f"market_id={short(odd)}", {**base, "market_id": odd}) for odd in ODD_IDS[:-3]]
    cases += [
        Case("market_id and market_token", {**base, "market_id": "m", "market_token": "t"}),
        Case("empty market_token", {**base, "market_token": ""}),
        Case("market_token of 9 KB", {**base, "market_token": "t" * 9_000}),
        Case(
            "a market that does not exist", {**base, "market_id": "a.b"}, statuses=frozenset({404})
        ),
    ]

    problems = run_cases(
        api, figures, lambda case: _sign_in(api, case), [c for c in cases if c.path is None]
    )

    assert not problems, "\n".join(problems)


def test_odd_queries_of_the_summaries_are_harmless(
    api: Client, scene: Scene, figures: Figures, untouched: None
) -> None:
    token = scene.account_token
    queries = [f"?id={quote(str(odd), safe='')}" for odd in ODD_IDS if odd is not None]
    queries += ["?id=", "?id=" + "&id=".join(["m"] * HUNDRED_AND_ONE), "?idToken=junk", "?%ZZ=1"]
    cases = [
        Case(f"versions{short(q)}", statuses=READ_OK, path="/summaries/versions" + q)
        for q in queries
    ] + [
        Case(f"versioned{short(q)}", statuses=READ_OK, path="/summaries/versioned" + q)
        for q in queries
    ]

    problems = run_cases(
        api, figures, lambda case: api.request("GET", case.path or "", token=token), cases
    )

    assert not problems, "\n".join(problems)


TEXT_THAT_IS_TEXT = {
    "right-to-left override": "\u202eevil.exe",
    "isolates": "\u2066x\u2069",
    "zero-width space": "a\u200bb",
    "zero-width joiner alone": "\u200d",
    "byte order mark": "\ufeffname",
    "combining mark": "e\u0301",
    "emoji": "\U0001f642 ok",
    "Arabic": "\u0645\u0631\u062d\u0628\u0627",
    "a tag character": "flag\U000e0067",
}


@pytest.mark.parametrize("label", list(TEXT_THAT_IS_TEXT))
def test_printable_format_characters_are_text_stored_exactly(
    api: Client, scene: Scene, figures: Figures, label: str
) -> None:
    text = TEXT_THAT_IS_TEXT[label]

    created = api.request(
        "POST",
        "/investibles/create",
        {"name": text, "description": f"{text}\n\t{text}"},
        token=scene.admin_token,
    )
    figures.add("cases.bad_input")

    assert_json_with_cors(created)
    assert created.status == 201, created.json
    fetched = api.request(
        "GET", f"/investibles/{created.json['investible']['id']}", token=scene.admin_token
    )
    assert fetched.json["investible"]["name"] == text
    assert fetched.json["investible"]["description"] == f"{text}\n\t{text}"


def test_a_malformed_content_length_is_answered_with_json_and_cors(
    gateway: RunningGateway, figures: Figures
) -> None:
    figures.add("cases.bad_input")

    answer = raw_exchange(
        gateway.url,
        b"POST /invest HTTP/1.1\r\nHost: local\r\nAuthorization: x\r\n"
        b"Content-Length: abc\r\nConnection: close\r\n\r\n{}",
    )

    assert answer.startswith(b"HTTP/1.1 4"), answer[:200]
    assert b"Access-Control-Allow-Origin" in answer


def test_a_malformed_chunk_size_is_answered_with_json_and_cors(
    gateway: RunningGateway, figures: Figures
) -> None:
    figures.add("cases.bad_input")

    answer = raw_exchange(
        gateway.url,
        b"POST /invest HTTP/1.1\r\nHost: local\r\nAuthorization: x\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    )

    assert answer.startswith(b"HTTP/1.1 4"), answer[:200]
    assert b"Access-Control-Allow-Origin" in answer


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send raw bytes on a fresh connection; everything read until the server closes it."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def _sign_in(api: Client, case: Case) -> Any:
    if case.raw is not None:
        return api.request("POST", "/sso/cognito", raw=case.raw)
    return api.request("POST", "/sso/cognito", case.body)
