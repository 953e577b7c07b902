"""PATCH /update: change the market's settings (admins)."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.markets import UpdateMarket
from domain.views import market_view


@endpoint("PATCH /update", UpdateMarket)
def handler(call: Call[UpdateMarket]) -> object:
    """The changed market."""
    market = container.markets().update(
        call.user_id,
        call.market_id,
        call.body.changes(),
        call.request.request_id,
        expected_version=call.body.version,
    )
    return market_view(market)
