"""GET /users/get: the caller's presence in the market."""

from adapters.aws_lambda.api import Call, NoBody, endpoint
from adapters.aws_lambda.container import container
from domain.views import presence_view


@endpoint("GET /users/get", NoBody)
def handler(call: Call[NoBody]) -> object:
    """The caller's presence."""
    return presence_view(container.users().presence(call.user_id, call.market_id))
