"""PATCH /investibles/state/{investible_id}: move an investible to another stage."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.investibles import MoveInvestible


@endpoint("PATCH /investibles/state/{investible_id}", MoveInvestible)
def handler(call: Call[MoveInvestible]) -> object:
    """`{investible, market_infos}` in the new stage."""
    moved = container.investibles().move(
        call.user_id,
        call.market_id,
        call.request.path_parameter("investible_id"),
        call.body.current_stage_id,
        call.body.stage_id,
        call.request.request_id,
    )
    return moved.view()
