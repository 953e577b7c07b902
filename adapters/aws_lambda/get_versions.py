"""GET /summaries/versions?id=...: the signatures of the caller's listed markets."""

from adapters.aws_lambda.api import Call, NoBody, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.markets import MarketIds
from adapters.aws_lambda.summaries import account_caller
from domain.views import signatures_view


@endpoint("GET /summaries/versions", NoBody, token=None)
def handler(call: Call[NoBody]) -> object:
    """`{signatures: [{market_id, signatures: [...]}]}`; an `id` that is no id is a 400."""
    caller = account_caller(call.request)
    listed = MarketIds.model_validate({"id": list(call.request.query.get("id", []))})
    found = container.summaries().signatures(caller.user_id, listed.id)
    return {"signatures": [signatures_view(s) for s in found]}
