"""POST /investibles/create: add an investible to the caller's market."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.investibles import CreateInvestible
from domain.services.investibles import NewInvestible


@endpoint("POST /investibles/create", CreateInvestible, success=201)
def handler(call: Call[CreateInvestible]) -> object:
    """`{investible, market_infos}`."""
    body = call.body
    new = NewInvestible(body.name, body.description, body.stage_id, body.open_for_investment)
    created = container.investibles().create(
        call.user_id, call.market_id, new, call.request.request_id
    )
    return created.view()
