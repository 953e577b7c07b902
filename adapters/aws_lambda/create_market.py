"""POST /create: a new market in the caller's account (account token)."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.markets import CreateMarket
from domain.model import MarketType
from domain.services.markets import NewMarket
from ports.tokens import TokenType


@endpoint("POST /create", CreateMarket, token=TokenType.ACCOUNT, success=201)
def handler(call: Call[CreateMarket]) -> object:
    """Create the market; the caller becomes its admin and gets a market token."""
    body = call.body
    new = NewMarket(
        market_type=MarketType(body.market_type),
        name=body.name,
        description=body.description,
        investment_expiration=body.investment_expiration,
        allow_multi_vote=body.allow_multi_vote,
    )
    created = container.markets().create(
        call.user_id, call.caller.account_id or "", new, call.request.request_id
    )
    return created.view()
