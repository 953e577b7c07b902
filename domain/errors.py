"""Domain errors. Adapters map each family to an HTTP status by class, never by message."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A request the domain refuses; `code` is a stable snake_case name for clients."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def details(self) -> Mapping[str, object]:
        """Extra fields for the error body."""
        return {}


class InvalidRequest(DomainError):
    """The request is well-formed but its values break a rule of the domain (400)."""

    code = "invalid_request"


class Forbidden(DomainError):
    """The caller may not do this (403)."""

    code = "forbidden"


class NotAdmin(Forbidden):
    """Only a market admin may do this."""

    code = "not_admin"


class Banned(Forbidden):
    """The caller is banned from the market."""

    code = "banned"


class MarketInactive(Forbidden):
    """The market does not accept changes."""

    code = "market_inactive"


class ClosedForInvestment(Forbidden):
    """The investible is closed, or sits in a stage that takes no investment."""

    code = "closed_for_investment"


class WrongTokenType(Forbidden):
    """The capability token is valid but of the wrong type for this route."""

    code = "wrong_token_type"


class NotAMember(Forbidden):
    """The caller has no presence in the market."""

    code = "not_a_member"


class NotFound(DomainError):
    """No such object in the caller's market (404)."""

    code = "not_found"


class Conflict(DomainError):
    """A compare-and-set failed (409)."""

    code = "conflict"


class QuantityConflict(Conflict):
    """`former_quantity` is not the stored live quantity; the body tells the current one."""

    code = "quantity_conflict"

    def __init__(self, current_quantity: int) -> None:
        super().__init__(f"The live quantity is {current_quantity}, not the former quantity given.")
        self.current_quantity = current_quantity

    def details(self) -> Mapping[str, object]:
        return {"current_quantity": self.current_quantity}


class VersionConflict(Conflict):
    """The object's stored version is not the one the caller expected."""

    code = "version_conflict"

    def __init__(self, current_version: int) -> None:
        super().__init__(f"The stored version is {current_version}.")
        self.current_version = current_version

    def details(self) -> Mapping[str, object]:
        return {"current_version": self.current_version}


class StageConflict(Conflict):
    """`current_stage_id` is not the investible's current stage."""

    code = "stage_conflict"

    def __init__(self, current_stage_id: str) -> None:
        super().__init__("The investible is not in the stage given as current_stage_id.")
        self.current_stage_id = current_stage_id

    def details(self) -> Mapping[str, object]:
        return {"current_stage_id": self.current_stage_id}


class ConcurrentUpdate(Conflict):
    """Other writes kept changing the same objects; the caller may try again."""

    code = "concurrent_update"


class StaleWrite(DomainError):
    """Something read for a write changed before the write; read again and retry.

    Services retry this themselves a few times; it reaches an adapter only as
    `ConcurrentUpdate`.
    """

    code = "stale_write"


class Gone(DomainError):
    """The caller was banned from the market it tries to sign in to (410)."""

    code = "banned"


class TemporarilyUnavailable(DomainError):
    """A dependency throttled us; the caller should retry after `retry_after` seconds (503)."""

    code = "temporarily_unavailable"

    def __init__(self, message: str = "Try again shortly.", *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DuplicateRequest(DomainError):
    """The same gateway request was already applied; `result` is what it answered (208)."""

    code = "duplicate_request"

    def __init__(self, result: object) -> None:
        super().__init__("This request was already applied.")
        self.result = result
