"""The TOKEN authorizer: a policy from the token's claims, whatever route it came on."""

from __future__ import annotations

import fnmatch

import pytest

from adapters.aws_lambda import capability_authorizer
from tests.support.events import WARMUP_EVENT, authorizer_event, method_arn
from tests.support.harness import API_KEY, Harness

MARKET_CALLS = [
    ("GET", "/get"),
    ("PATCH", "/update"),
    ("POST", "/invest"),
    ("DELETE", "/invest/i-1"),
    ("POST", "/list"),
    ("POST", "/investibles"),
    ("POST", "/investments"),
    ("POST", "/investibles/create"),
    ("GET", "/investibles/i-1"),
    ("PATCH", "/investibles/i-1"),
    ("PATCH", "/investibles/state/i-1"),
    ("GET", "/users/get"),
    ("POST", "/users/ban/u-1"),
]
EVERY_CALL = [("POST", "/create"), *MARKET_CALLS]


def _allows(policy: dict, method: str, path: str) -> bool:
    """Evaluate a policy as API Gateway does: an explicit Deny wins over any Allow."""
    arn = method_arn(method, path)
    effects = set()
    for statement in policy["policyDocument"]["Statement"]:
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        if any(fnmatch.fnmatchcase(arn, pattern) for pattern in resources):
            effects.add(statement["Effect"])
    return "Allow" in effects and "Deny" not in effects


def test_the_policy_is_the_same_whatever_method_arn_the_request_carried(api: Harness):
    token = api.create_market("admin@example.com")["token"]

    policies = [api.authorize(token, method, path) for method, path in EVERY_CALL]

    assert all(policy == policies[0] for policy in policies)


def test_an_account_token_may_call_post_create_only(api: Harness):
    account = api.sign_in("someone@example.com")["uclusion_token"]

    policy = api.authorize(account, "GET", "/get")

    assert _allows(policy, "POST", "/create")
    assert not any(_allows(policy, method, path) for method, path in MARKET_CALLS)


def test_a_market_token_may_call_the_market_investible_and_user_routes(api: Harness):
    token = api.create_market("admin@example.com")["token"]

    policy = api.authorize(token)

    assert all(_allows(policy, method, path) for method, path in MARKET_CALLS)
    assert not _allows(policy, "POST", "/create")


def test_an_invite_token_may_call_nothing(api: Harness):
    invite = api.create_market("admin@example.com")["market"]["invite_capability"]

    policy = api.authorize(invite)

    assert not any(_allows(policy, method, path) for method, path in EVERY_CALL)


def test_the_answer_carries_principal_context_and_usage_key(api: Harness):
    created = api.create_market("admin@example.com")

    answer = api.authorize(created["token"])

    assert answer["principalId"] == created["presence"]["id"]
    assert answer["usageIdentifierKey"] == API_KEY
    assert answer["context"] == {
        "user_id": created["presence"]["id"],
        "account_id": created["market"]["account_id"],
        "market_id": created["market"]["id"],
        "is_admin": True,
        "token_type": "market",
    }
    assert all(isinstance(v, str | int | bool) for v in answer["context"].values())


@pytest.mark.parametrize(
    "token", [None, "", "undefined", "Bearer ", "not.a.jwt", "a" * 100_000, "Bearer x.y.z"]
)
def test_anything_invalid_raises_unauthorized(api: Harness, token):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        capability_authorizer.handler(authorizer_event(token))


def test_a_bearer_prefix_is_accepted(api: Harness):
    token = api.create_market("admin@example.com")["token"]

    assert api.authorize(f"Bearer {token}")["context"]["token_type"] == "market"


def test_a_warm_up_ping_returns_before_reading_configuration():
    assert capability_authorizer.handler(WARMUP_EVENT) == {"warm": True}
