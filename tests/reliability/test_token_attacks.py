"""Token attacks over HTTP, against the TOKEN authorizer (the `Authorization` header of a write
route) and against the sign-in route (`POST /sso/cognito`: the invite in `market_token`, the
identity token in `id_token`). Each attack is refused with a JSON error and CORS headers, and
leaves both tables exactly as they were and the markets table's stream without a record.

The capability tokens are signed with the gateway's real secret (tests/reliability/
serve_with_secrets.py hands it over), so the expired, early, claimless or misdirected tokens
differ from a valid one in that one respect only.
"""

from __future__ import annotations

import http.client
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.local.idp import JWKS_PATH, KEY_FILE
from tests.integration.gateway.flows import (
    create_investible,
    id_token,
    join,
    new_market,
    sign_in,
    unique_email,
)
from tests.integration.gateway.running import Client, Reply, RunningGateway
from tests.reliability.answers import assert_refused
from tests.reliability.attacks import (
    AUTHORIZER,
    CAPABILITY_ATTACKS,
    FORBIDDEN,
    IDENTITY_ATTACKS,
    SIGN_IN,
    UNAUTHORIZED,
    WRONG_TYPES,
    Scene,
    forger_for,
    identity,
    oversized,
)
from tests.reliability.figures import Figures

pytestmark = pytest.mark.aws


@pytest.fixture(scope="module")
def scene(gateway: RunningGateway) -> Scene:
    client = gateway.client()
    account = sign_in(client, unique_email("token-account"))
    created = new_market(client, "token-admin")
    member = join(client, unique_email("token-member"), created["market"]["invite_capability"])
    create_investible(client, created["token"], "Target")
    (published,) = client.request("GET", JWKS_PATH).json["keys"]
    client.close()
    gateway.drain()
    pem = (gateway.state_dir / KEY_FILE).read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return Scene(
        account_token=account["uclusion_token"],
        admin_token=created["token"],
        invite=created["market"]["invite_capability"],
        market_id=created["market"]["id"],
        admin_id=created["presence"]["id"],
        member_id=member["user"]["id"],
        idp_key=key,
        idp_kid=published["kid"],
    )


def at_authorizer(api: Client, token: str, route: tuple[str, str, dict[str, Any]]) -> Reply:
    method, path, body = route
    return api.request(method, path, body, headers={"Authorization": token})


def at_sign_in(api: Client, market_token: str) -> Reply:
    fresh = id_token(api, unique_email("attacker"))
    return api.request("POST", "/sso/cognito", {"id_token": fresh, "market_token": market_token})


MARKET_WRITE = ("POST", "/investibles/create", {"name": "forged"})


@pytest.mark.parametrize("target", [AUTHORIZER, SIGN_IN])
@pytest.mark.parametrize("attack", list(CAPABILITY_ATTACKS))
def test_a_forged_or_malformed_capability_token_is_refused_and_writes_nothing(
    api: Client,
    scene: Scene,
    secrets: dict[str, Any],
    figures: Figures,
    untouched: None,
    attack: str,
    target: str,
) -> None:
    build, at_the_authorizer, at_the_sign_in = CAPABILITY_ATTACKS[attack]
    forger = forger_for(scene, secrets, "market" if target == AUTHORIZER else "market_invite")
    token = build(forger)

    if target == AUTHORIZER:
        reply = at_authorizer(api, token, MARKET_WRITE)
    else:
        reply = at_sign_in(api, token)

    figures.add("cases.token_attacks")
    assert_refused(reply, at_the_authorizer if target == AUTHORIZER else at_the_sign_in)


def test_the_forger_makes_tokens_the_gateway_accepts(
    api: Client, scene: Scene, secrets: dict[str, Any]
) -> None:
    """The control: without the defect each attack adds, a forged token works, at the
    authorizer (as a market token) and at the sign-in (as an invite)."""
    market = forger_for(scene, secrets, "market").signed()
    invite = forger_for(scene, secrets, "market_invite").signed()

    reply = api.request("GET", "/get", headers={"Authorization": market})
    joined = at_sign_in(api, invite)

    assert reply.status == 200, reply.json
    assert reply.json["id"] == scene.market_id
    assert joined.status == 200, joined.json
    assert joined.json["market_id"] == scene.market_id


@pytest.mark.parametrize(
    ("case", "target"),
    [
        (case, target)
        for case in WRONG_TYPES
        for target in (AUTHORIZER, SIGN_IN)
        if (case, target) != ("invite token as a market token", SIGN_IN)
    ],
)
def test_a_valid_token_of_the_wrong_type_is_forbidden_and_writes_nothing(
    api: Client, scene: Scene, figures: Figures, untouched: None, case: str, target: str
) -> None:
    token_of, route = WRONG_TYPES[case]

    reply = (
        at_authorizer(api, token_of(scene), route)
        if target == AUTHORIZER
        else at_sign_in(api, token_of(scene))
    )

    figures.add("cases.token_attacks")
    assert_refused(reply, FORBIDDEN)


def test_a_100_kb_token_in_the_header_is_refused_with_json_and_cors(
    api: Client, scene: Scene, secrets: dict[str, Any], figures: Figures, untouched: None
) -> None:
    token = oversized(forger_for(scene, secrets, "market"), 100_000)
    figures.add("cases.token_attacks")

    try:
        reply = at_authorizer(api, token, MARKET_WRITE)
    except (OSError, http.client.HTTPException) as error:
        raise AssertionError(f"no answer: {error!r}") from error

    assert_refused(reply, {401, 413, 431})


def test_a_100_kb_invite_at_sign_in_is_a_413(
    api: Client, scene: Scene, secrets: dict[str, Any], figures: Figures, untouched: None
) -> None:
    token = oversized(forger_for(scene, secrets, "market_invite"), 100_000)

    reply = at_sign_in(api, token)

    figures.add("cases.token_attacks")
    assert_refused(reply, {413})


def test_an_empty_or_missing_authorization_header_is_401(
    api: Client, figures: Figures, untouched: None
) -> None:
    method, path, body = MARKET_WRITE
    for headers in ({}, {"Authorization": ""}, {"Authorization": " "}):
        figures.add("cases.token_attacks")
        assert_refused(api.request(method, path, body, headers=headers), UNAUTHORIZED)


@pytest.mark.parametrize("attack", list(IDENTITY_ATTACKS))
def test_a_bad_identity_token_at_sign_in_is_401_and_writes_nothing(
    api: Client, scene: Scene, figures: Figures, untouched: None, attack: str
) -> None:
    token = IDENTITY_ATTACKS[attack](scene)

    reply = api.request("POST", "/sso/cognito", {"id_token": token})
    with_market = api.request(
        "POST", "/sso/cognito", {"id_token": token, "market_id": scene.market_id}
    )
    with_invite = api.request(
        "POST", "/sso/cognito", {"id_token": token, "market_token": scene.invite}
    )

    figures.add("cases.token_attacks", 3)
    for answer in (reply, with_market, with_invite):
        assert_refused(answer, UNAUTHORIZED)


def test_the_identity_forger_makes_tokens_the_sign_in_accepts(api: Client, scene: Scene) -> None:
    """The control for the identity attacks: a well-made token signs in."""
    reply = api.request("POST", "/sso/cognito", {"id_token": identity(scene)})

    assert reply.status == 200, reply.json
    assert reply.json["uclusion_token"]
