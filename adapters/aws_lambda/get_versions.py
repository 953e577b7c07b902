"""GET /summaries/versions?id=...: the signatures of the caller's listed markets."""

from adapters.aws_lambda.api import Call, NoBody, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.http import HttpError
from adapters.aws_lambda.schemas.fields import MAX_LISTED
from adapters.aws_lambda.summaries import account_caller
from domain.views import signatures_view


@endpoint("GET /summaries/versions", NoBody, token=None)
def handler(call: Call[NoBody]) -> object:
    """`{signatures: [{market_id, signatures: [...]}]}`."""
    caller = account_caller(call.request)
    market_ids = [m for m in call.request.query.get("id", []) if m]
    if len(market_ids) > MAX_LISTED:
        raise HttpError(400, "invalid_request", f"At most {MAX_LISTED} ids a request.")
    found = container.summaries().signatures(caller.user_id, market_ids)
    return {"signatures": [signatures_view(s) for s in found]}
