"""How the gateway applies an authorizer's policy to a method ARN (no server needed)."""

from __future__ import annotations

import pytest

from adapters.local.policy import Decision, MalformedPolicy, evaluate, matches, method_arn

ARN = method_arn("us-east-1", "123456789012", "abc123", "dev", "GET", "/investibles/i-1")


def policy(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(resource: object) -> dict[str, object]:
    return {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}


def deny(resource: object) -> dict[str, object]:
    return {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": resource}


def test_the_method_arn_names_region_account_api_stage_method_and_path() -> None:
    assert ARN == "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/investibles/i-1"
    assert method_arn("r", "a", "api", "dev", "GET", "/").endswith("/dev/GET/")


def test_an_allow_that_covers_the_arn_allows() -> None:
    assert evaluate(policy(allow("arn:aws:execute-api:*:*:*/*/GET/investibles/*")), ARN) is (
        Decision.ALLOW
    )


def test_an_explicit_deny_wins_over_an_allow_whatever_the_order() -> None:
    both = (allow("arn:aws:execute-api:*:*:*/*/*"), deny(ARN))

    assert evaluate(policy(*both), ARN) is Decision.EXPLICIT_DENY
    assert evaluate(policy(*reversed(both)), ARN) is Decision.EXPLICIT_DENY


def test_a_request_no_statement_covers_is_denied() -> None:
    only_create = policy(allow("arn:aws:execute-api:*:*:*/*/POST/create"))

    decision = evaluate(only_create, ARN)

    assert decision is Decision.IMPLICIT_DENY
    assert not decision.allowed


def test_a_question_mark_stands_for_exactly_one_character() -> None:
    assert matches("*/dev/GET/investibles/i-?", ARN)
    assert not matches("*/dev/GET/investibles/i?", ARN)
    assert not matches("*/de?/GET/investibles/i-??", ARN)


def test_a_star_spans_slashes_and_colons() -> None:
    assert matches("arn:aws:execute-api:*", ARN)
    assert matches("*", ARN)
    assert not matches("arn:aws:execute-api:*/POST/*", ARN)


def test_resources_may_be_a_list_and_statement_a_single_object() -> None:
    document = {"Statement": allow(["arn:aws:execute-api:*:*:*/*/POST/x", ARN])}

    assert evaluate(document, ARN) is Decision.ALLOW


def test_actions_match_without_regard_to_case_and_by_wildcard() -> None:
    statement = {"Effect": "Allow", "Action": "execute-api:*", "Resource": ARN}
    shouting = {"Effect": "Allow", "Action": "EXECUTE-API:INVOKE", "Resource": ARN}
    other = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ARN}

    assert evaluate(policy(statement), ARN) is Decision.ALLOW
    assert evaluate(policy(shouting), ARN) is Decision.ALLOW
    assert evaluate(policy(other), ARN) is Decision.IMPLICIT_DENY


def test_not_resource_allows_everything_but_what_it_names() -> None:
    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "NotResource": "*/POST/*"}

    assert evaluate(policy(statement), ARN) is Decision.ALLOW
    assert evaluate(policy(statement), ARN.replace("/GET/", "/POST/")) is Decision.IMPLICIT_DENY


def test_a_statement_with_a_condition_is_not_applied() -> None:
    conditional = {**allow(ARN), "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}

    assert evaluate(policy(conditional), ARN) is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(
    "document",
    [
        "not a policy",
        {"Statement": "nothing"},
        policy({"Effect": "Maybe", "Action": "*", "Resource": "*"}),
        policy({"Effect": "Allow", "Action": "*"}),
        policy({"Effect": "Allow", "Action": "*", "Resource": [1, 2]}),
    ],
)
def test_a_malformed_policy_is_refused(document: object) -> None:
    with pytest.raises(MalformedPolicy):
        evaluate(document, ARN)  # type: ignore[arg-type]


def test_the_capability_authorizers_policies_read_as_the_gateway_needs() -> None:
    from adapters.aws_lambda.capability_authorizer import policy_for
    from ports.tokens import Capability, TokenType

    market = Capability(user_id="u", token_type=TokenType.MARKET, market_id="m")
    account = Capability(user_id="u", token_type=TokenType.ACCOUNT)
    invite = Capability(user_id="u", token_type=TokenType.MARKET_INVITE, market_id="m")
    create = ARN.replace("/GET/investibles/i-1", "/POST/create")

    assert evaluate(policy_for(market, "k")["policyDocument"], ARN).allowed
    assert not evaluate(policy_for(market, "k")["policyDocument"], create).allowed
    assert evaluate(policy_for(account, "k")["policyDocument"], create).allowed
    assert evaluate(policy_for(account, "k")["policyDocument"], ARN) is Decision.IMPLICIT_DENY
    assert evaluate(policy_for(invite, "k")["policyDocument"], ARN) is Decision.EXPLICIT_DENY
