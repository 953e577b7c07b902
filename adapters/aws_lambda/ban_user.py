"""POST /users/ban/{user_id}: ban or unban a member (admins)."""

from adapters.aws_lambda.api import Call, endpoint
from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.investibles import Ban
from domain.views import presence_view


@endpoint("POST /users/ban/{user_id}", Ban)
def handler(call: Call[Ban]) -> object:
    """The member's presence."""
    presence = container.users().ban(
        call.user_id,
        call.market_id,
        call.request.path_parameter("user_id"),
        call.body.is_banned,
        call.request.request_id,
    )
    return presence_view(presence)
