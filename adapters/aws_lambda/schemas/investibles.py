"""Bodies of the investible and user routes."""

from __future__ import annotations

from pydantic import model_validator

from adapters.aws_lambda.schemas.fields import Body, Description, Id, Name, Version


class CreateInvestible(Body):
    """`POST /investibles/create`."""

    name: Name
    description: Description | None = None
    stage_id: Id | None = None
    open_for_investment: bool = True


class UpdateInvestible(Body):
    """`PATCH /investibles/{id}`: at least one field besides `version`."""

    name: Name | None = None
    description: Description | None = None
    open_for_investment: bool | None = None
    version: Version | None = None

    @model_validator(mode="after")
    def _names_a_change(self) -> UpdateInvestible:
        sent = self.model_fields_set - {"version"}
        if not sent:
            raise ValueError("name at least one field to change")
        for name in ("name", "open_for_investment"):
            if name in sent and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, object]:
        """The fields the caller sent, but `version`."""
        return {name: getattr(self, name) for name in self.model_fields_set - {"version"}}


class MoveInvestible(Body):
    """`PATCH /investibles/state/{id}`."""

    current_stage_id: Id
    stage_id: Id


class Ban(Body):
    """`POST /users/ban/{user_id}`."""

    is_banned: bool
