"""GET /investibles/{investible_id}: one investible of the caller's market."""

from adapters.aws_lambda.api import Call, NoBody, endpoint
from adapters.aws_lambda.container import container


@endpoint("GET /investibles/{investible_id}", NoBody)
def handler(call: Call[NoBody]) -> object:
    """`{investible, market_infos}`."""
    found = container.investibles().get(
        call.user_id, call.market_id, call.request.path_parameter("investible_id")
    )
    return found.view()
