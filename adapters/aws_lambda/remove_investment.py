"""DELETE /invest/{investible_id}: remove the caller's live investment."""

from adapters.aws_lambda.api import Call, NoBody, endpoint
from adapters.aws_lambda.container import container
from domain.views import investment_view


@endpoint("DELETE /invest/{investible_id}", NoBody)
def handler(call: Call[NoBody]) -> object:
    """The removed investment."""
    investment = container.investments().remove(
        call.user_id,
        call.market_id,
        call.request.path_parameter("investible_id"),
        call.request.request_id,
    )
    return investment_view(investment)
