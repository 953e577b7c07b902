"""GET /summaries/versioned: the caller's markets, active and banned flags."""

from adapters.aws_lambda.api import Call, NoBody, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.summaries import account_caller
from domain.views import membership_view


@endpoint("GET /summaries/versioned", NoBody, token=None)
def handler(call: Call[NoBody]) -> object:
    """`[{id, active, banned}]`."""
    caller = account_caller(call.request)
    return [membership_view(m) for m in container.summaries().memberships(caller.user_id)]
