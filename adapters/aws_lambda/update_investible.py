"""PATCH /investibles/{investible_id}: edit an investible (its creator or an admin)."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.investibles import UpdateInvestible


@endpoint("PATCH /investibles/{investible_id}", UpdateInvestible)
def handler(call: Call[UpdateInvestible]) -> object:
    """`{investible, market_infos}` as changed."""
    updated = container.investibles().update(
        call.user_id,
        call.market_id,
        call.request.path_parameter("investible_id"),
        call.body.changes(),
        call.request.request_id,
        expected_version=call.body.version,
    )
    return updated.view()
