"""The comparison for part 2: the same routes on Powertools' REST resolver, validation on.

`invest_body` and `get_body` are what our handlers do between the frame's work (parse,
authorise, validate) and its answer: the service call and the domain view. The Powertools
routes call them too, and the benchmark times them alone, so the overhead of either frame
is its time less theirs.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from adapters.aws_lambda.container import container
from adapters.aws_lambda.schemas.markets import Invest
from domain.services.investments import Stake
from domain.views import investment_view, market_view

app = APIGatewayRestResolver(enable_validation=True)


def invest_body(user_id: str, market_id: str, body: Invest, request_id: str) -> dict[str, Any]:
    """What update_investment does once the call is validated."""
    stake = Stake(body.investible_id, body.quantity, body.former_quantity, body.comment_id)
    investment = container.investments().invest(user_id, market_id, stake, request_id)
    return investment_view(investment)


def get_body(user_id: str, market_id: str) -> dict[str, Any]:
    """What get_market does once the call is validated."""
    market = container.markets().get(user_id, market_id)
    return {**market_view(market), "current_user_id": user_id}


def _caller() -> tuple[str, str]:
    authorizer = app.current_event.request_context.authorizer
    return str(authorizer.get("user_id") or ""), str(authorizer.get("market_id") or "")


@app.post("/invest")
def invest(body: Invest) -> dict[str, Any]:
    user_id, market_id = _caller()
    return invest_body(user_id, market_id, body, app.current_event.request_context.request_id)


@app.get("/get")
def get_market() -> dict[str, Any]:
    user_id, market_id = _caller()
    return get_body(user_id, market_id)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The Lambda entry point of the comparison."""
    return app.resolve(event, context)
