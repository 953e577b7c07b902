"""POST /list: the market's stages or members, by signature."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.markets import ListMarket
from domain.views import presence_view, stage_view


@endpoint("POST /list", ListMarket)
def handler(call: Call[ListMarket]) -> object:
    """Stages or presences at least as new as asked; all of them with no list."""
    asked = {entry.id: entry.version for entry in call.body.versions or []}
    if call.body.list_type == "stages":
        stages = container.markets().stages(call.user_id, call.market_id, asked)
        return [stage_view(stage) for stage in stages]
    presences = container.markets().presences(call.user_id, call.market_id, asked)
    return [presence_view(presence) for presence in presences]
