"""The TOKEN authorizer: a policy from the capability token's claims alone.

API Gateway caches the answer per token for every route, so the policy must not depend on
the `methodArn` of the request that happened to come first: it lists every route the
token's type may call. It touches no table; bans and market state are the handlers' job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.aws_lambda.container import container
from adapters.aws_lambda.logs import log
from adapters.aws_lambda.warmup import WARM, is_warmup
from ports.tokens import Capability, InvalidToken, TokenType

# Method ARNs are arn:aws:execute-api:region:account:api-id/stage/METHOD/path. The policy
# names routes only, so it reads the same whichever route the token first arrived on.
_ANY_API = "arn:aws:execute-api:*:*:*/*"

ACCOUNT_ROUTES = ("POST/create",)
MARKET_ROUTES = (
    "GET/get",
    "PATCH/update",
    "POST/invest",
    "DELETE/invest/*",
    "POST/list",
    "POST/investibles",
    "POST/investments",
    "POST/investibles/create",
    "GET/investibles/*",
    "PATCH/investibles/*",
    "PATCH/investibles/state/*",
    "GET/users/get",
    "POST/users/ban/*",
)
ROUTES_BY_TYPE: Mapping[TokenType, tuple[str, ...]] = {
    TokenType.ACCOUNT: ACCOUNT_ROUTES,
    TokenType.MARKET: MARKET_ROUTES,
    TokenType.MARKET_INVITE: (),
}


def policy_for(capability: Capability, api_key: str) -> dict[str, Any]:
    """The authorizer's answer for a verified capability."""
    routes = ROUTES_BY_TYPE[capability.token_type]
    statement: dict[str, Any]
    if routes:
        statement = {
            "Action": "execute-api:Invoke",
            "Effect": "Allow",
            "Resource": [f"{_ANY_API}/{route}" for route in routes],
        }
    else:
        statement = {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": f"{_ANY_API}/*"}
    return {
        "principalId": capability.user_id,
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": {
            "user_id": capability.user_id,
            "account_id": capability.account_id or "",
            "market_id": capability.market_id or "",
            "is_admin": capability.is_admin,
            "token_type": capability.token_type.value,
        },
        "usageIdentifierKey": api_key,
    }


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Verify the token in `authorizationToken`; raise `Unauthorized` for anything invalid."""
    if is_warmup(event):
        return dict(WARM)
    token = event.get("authorizationToken")
    try:
        if not isinstance(token, str):
            raise InvalidToken("no token")
        capability = container.tokens().verify(token)
    except InvalidToken as error:
        log.info("token refused", extra={"fields": {"reason": str(error)}})
        # API Gateway turns exactly this message into a 401.
        raise Exception("Unauthorized") from None
    return policy_for(capability, container.settings().api_key)
