"""POST /sso/cognito: exchange an identity token for a capability token."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.http import HttpError
from adapters.aws_lambda.schemas.sso import Login
from ports.tokens import InvalidToken


@endpoint("POST /sso/cognito", Login, token=None)
def handler(call: Call[Login]) -> object:
    """An account token, a member's market token, or a new member's market token."""
    body = call.body
    try:
        identity = container.identities().verify(body.id_token)
        invite = None if body.market_token is None else container.tokens().verify(body.market_token)
    except InvalidToken:
        raise HttpError(401, "unauthorized", "Unauthorized") from None
    sso = container.sso()
    if invite is not None:
        return sso.join(identity, invite, call.request.request_id).view()
    if body.market_id is not None:
        return sso.market_login(identity, body.market_id).view()
    return sso.login(identity, call.request.request_id).view()
