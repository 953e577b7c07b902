"""Bodies of the market routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from adapters.aws_lambda.schemas.fields import (
    MAX_LISTED,
    Body,
    Description,
    ExpirationDays,
    Id,
    IdVersion,
    Name,
    Quantity,
    Version,
)


class CreateMarket(Body):
    """`POST /create`."""

    market_type: Literal["PLANNING", "DECISION", "INITIATIVE"]
    name: Name
    description: Description | None = None
    investment_expiration: ExpirationDays = 14
    allow_multi_vote: bool = False


class UpdateMarket(Body):
    """`PATCH /update`: at least one field besides `version`."""

    name: Name | None = None
    description: Description | None = None
    investment_expiration: ExpirationDays | None = None
    allow_multi_vote: bool | None = None
    market_stage: Literal["Active", "Inactive"] | None = None
    version: Version | None = None

    @model_validator(mode="after")
    def _names_a_change(self) -> UpdateMarket:
        if not self.changes():
            raise ValueError("name at least one field to change")
        return self

    def changes(self) -> dict[str, object]:
        """The fields the caller sent, but `version`; a null description clears it."""
        sent = self.model_fields_set - {"version"}
        changes = {name: getattr(self, name) for name in sent}
        for name in ("name", "investment_expiration", "allow_multi_vote", "market_stage"):
            if name in changes and changes[name] is None:
                raise ValueError(f"{name} cannot be null")
        return changes


class Invest(Body):
    """`POST /invest`."""

    investible_id: Id
    quantity: Quantity
    former_quantity: Quantity = 0
    comment_id: Id | None = None


class ListMarket(Body):
    """`POST /list`."""

    list_type: Literal["stages", "users"]
    versions: Annotated[list[IdVersion], Field(max_length=MAX_LISTED)] | None = None


class InvestibleVersions(Body):
    """One entry of `POST /investibles`."""

    investible: IdVersion
    market_infos: Annotated[list[IdVersion], Field(max_length=MAX_LISTED)] | None = None


class ListInvestibles(Body):
    """`POST /investibles`."""

    versions: Annotated[list[InvestibleVersions], Field(max_length=MAX_LISTED)] | None = None


class InvestmentVersion(Body):
    """One entry of `POST /investments`."""

    type_object_id: Annotated[str, Field(min_length=1, max_length=160)]
    version: Annotated[int, Field(ge=0)]


class ListInvestments(Body):
    """`POST /investments`."""

    user_id: Id | None = None
    investments: Annotated[list[InvestmentVersion], Field(max_length=MAX_LISTED)] | None = None


class MarketIds(Body):
    """The `id` query parameters of `GET /summaries/versions`: market ids, each an id."""

    id: Annotated[list[Id], Field(max_length=MAX_LISTED)]
