"""GET /get: the caller's market."""

from adapters.aws_lambda.api import Call, NoBody, endpoint
from adapters.aws_lambda.container import container
from domain.views import market_view


@endpoint("GET /get", NoBody)
def handler(call: Call[NoBody]) -> object:
    """The market, with the caller's user id."""
    market = container.markets().get(call.user_id, call.market_id)
    return {**market_view(market), "current_user_id": call.user_id}
