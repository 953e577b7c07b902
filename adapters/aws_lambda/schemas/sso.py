"""The body of the sign-in exchange, in a module of its own: cognito_login imports no other
route's schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from adapters.aws_lambda.schemas.fields import Body, Id


class Login(Body):
    """`POST /sso/cognito`: an identity token, and a market id or an invite token at most."""

    id_token: Annotated[str, Field(min_length=1, max_length=8192)]
    market_id: Id | None = None
    market_token: Annotated[str, Field(min_length=1, max_length=8192)] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Login:
        if self.market_id is not None and self.market_token is not None:
            raise ValueError("send market_id or market_token, not both")
        return self
