"""What the summary routes share: they check the account token themselves.

A TOKEN authorizer reads one header only, and these routes also take the token in the
`idToken` query parameter, so they run without the authorizer.
"""

from adapters.aws_lambda.container import container
from adapters.aws_lambda.http import HttpError, Request
from domain.errors import WrongTokenType
from ports.tokens import Capability, InvalidToken, TokenType


def account_caller(request: Request) -> Capability:
    """The caller's account capability, from `Authorization` or the `idToken` query."""
    token = request.header("Authorization") or next(iter(request.query.get("idToken", [])), "")
    try:
        capability = container.tokens().verify(token)
    except InvalidToken:
        raise HttpError(401, "unauthorized", "Unauthorized") from None
    if capability.token_type is not TokenType.ACCOUNT:
        raise WrongTokenType("The summaries take an account token.")
    return capability
