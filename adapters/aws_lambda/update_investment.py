"""POST /invest: set the caller's investment in an investible."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.markets import Invest
from domain.services.investments import Stake
from domain.views import investment_view


@endpoint("POST /invest", Invest)
def handler(call: Call[Invest]) -> object:
    """The investment as stored."""
    body = call.body
    stake = Stake(body.investible_id, body.quantity, body.former_quantity, body.comment_id)
    investment = container.investments().invest(
        call.user_id, call.market_id, stake, call.request.request_id
    )
    return investment_view(investment)
