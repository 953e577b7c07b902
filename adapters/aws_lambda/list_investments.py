"""POST /investments: a member's investments, deleted ones included, by signature."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.markets import ListInvestments
from domain.views import investment_view


@endpoint("POST /investments", ListInvestments)
def handler(call: Call[ListInvestments]) -> object:
    """The investments of `user_id` (the caller by default)."""
    asked = {entry.type_object_id: entry.version for entry in call.body.investments or []}
    investments = container.investments().fetch(
        call.user_id, call.market_id, call.body.user_id, asked
    )
    return [investment_view(investment) for investment in investments]
