"""POST /investibles: the market's investibles with their infos, by signature."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.markets import ListInvestibles


@endpoint("POST /investibles", ListInvestibles)
def handler(call: Call[ListInvestibles]) -> object:
    """`[{investible, market_infos}]` at least as new as asked; all of them with no list."""
    asked = [
        (
            entry.investible.id,
            entry.investible.version,
            {info.id: info.version for info in entry.market_infos or []},
        )
        for entry in call.body.versions or []
    ]
    found = container.investibles().fetch(call.user_id, call.market_id, asked)
    return [entry.view() for entry in found]
