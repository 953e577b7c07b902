"""One session of the whole service, told as Lambda invocations: what API Gateway, the stream
and the schedule would send each function, in an order that only works if they all do.

The same scenario drives the functions unpacked from the package (each in an interpreter of
its own) and the functions imported in the test process (to record their AWS calls). Each
step checks the answer it needs to go on; a failed step stops the scenario, and what it
reached stays readable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from tests.support.events import (
    WARMUP_EVENT,
    api_event,
    authorizer_event,
    gateway_context,
    schedule_event,
)

UNAUTHORIZED = "Exception: Unauthorized"


@dataclass(frozen=True)
class Outcome:
    """What an invocation returned, as JSON, or the error it raised (`Type: message`)."""

    value: Any = None
    error: str | None = None

    @property
    def status(self) -> int:
        """The HTTP status of a proxy integration answer."""
        assert isinstance(self.value, dict) and "statusCode" in self.value, self
        return int(self.value["statusCode"])

    @property
    def body(self) -> Any:
        """The decoded JSON body of a proxy integration answer."""
        assert isinstance(self.value, dict), self
        return json.loads(self.value["body"])


class Invoke(Protocol):
    """Runs one function with one event."""

    def __call__(self, function: str, event: Mapping[str, Any]) -> Outcome: ...


class StepFailed(AssertionError):
    """A step got an answer the scenario cannot go on from."""


@dataclass
class Scenario:
    """The steps' outcomes by name, filled in as the scenario runs."""

    invoke: Invoke
    id_token: Callable[[str], str]
    stream_batches: Callable[[], list[list[dict[str, Any]]]]
    functions: Iterable[str]
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    stopped: str | None = None

    def outcome(self, step: str) -> Outcome:
        """The outcome of a step; fails the calling test when the scenario did not reach it."""
        if step not in self.outcomes:
            raise AssertionError(f"step {step!r} was not reached: {self.stopped}")
        return self.outcomes[step]

    def run(self) -> Scenario:
        """Run every step; a failed one ends the run and is kept in `stopped`."""
        try:
            self._steps()
        except StepFailed as failure:
            self.stopped = str(failure)
        return self

    # --- how a step runs ----------------------------------------------------------------------

    def _call(self, step: str, function: str, event: Mapping[str, Any]) -> Outcome:
        outcome = self.invoke(function, event)
        self.outcomes[step] = outcome
        return outcome

    def _http(
        self,
        step: str,
        function: str,
        route: str,
        status: int,
        *,
        caller: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Any:
        method, resource = route.split(" ", 1)
        event = api_event(method, resource, authorizer=caller, **options)
        outcome = self._call(step, function, event)
        if outcome.error is not None or outcome.status != status:
            raise StepFailed(f"{step}: expected {status}, got {outcome}")
        return outcome.body

    def _authorize(self, step: str, token: str, route: str) -> dict[str, Any]:
        method, path = route.split(" ", 1)
        outcome = self._call(step, "capability_authorizer", authorizer_event(token, method, path))
        if outcome.error is not None or not isinstance(outcome.value, dict):
            raise StepFailed(f"{step}: the authorizer refused a valid token: {outcome}")
        return gateway_context(outcome.value)

    # --- the story ------------------------------------------------------------------------------

    def _steps(self) -> None:
        for function in self.functions:
            self._call(f"ping {function}", function, WARMUP_EVENT)

        self._call("authorize without a token", "capability_authorizer", authorizer_event(None))
        self._call(
            "authorize a literal undefined",
            "capability_authorizer",
            authorizer_event("undefined", "GET", "/get"),
        )
        self._call("get_market without a caller", "get_market", api_event("GET", "/get"))

        alice = self._http(
            "sign in",
            "cognito_login",
            "POST /sso/cognito",
            200,
            body={"id_token": self.id_token("alice@example.com")},
        )
        account_token = alice["uclusion_token"]
        account = self._authorize("authorize an account token", account_token, "POST /create")
        created = self._http(
            "create a market",
            "create_market",
            "POST /create",
            201,
            caller=account,
            body={"market_type": "DECISION", "name": "Lunch", "investment_expiration": 1},
        )
        market_id = created["market"]["id"]
        admin = self._authorize("authorize a market token", created["token"], "GET /get")
        stages = [stage["id"] for stage in created["stages"]]

        self._http("get the market", "get_market", "GET /get", 200, caller=admin)
        self._http(
            "update the market",
            "update_market",
            "PATCH /update",
            200,
            caller=admin,
            body={"description": "Where we eat on Friday"},
        )
        tacos = self._http(
            "create an investible",
            "create_investible",
            "POST /investibles/create",
            201,
            caller=admin,
            body={"name": "Tacos"},
            request_id="create-tacos",
        )
        self._http(
            "create it again with the same request id",
            "create_investible",
            "POST /investibles/create",
            208,
            caller=admin,
            body={"name": "Tacos"},
            request_id="create-tacos",
        )
        investible_id = tacos["investible"]["id"]
        by_id = {"investible_id": investible_id}
        self._http(
            "get the investible",
            "get_investible",
            "GET /investibles/{investible_id}",
            200,
            caller=admin,
            path_parameters=by_id,
        )
        self._http(
            "update the investible",
            "update_investible",
            "PATCH /investibles/{investible_id}",
            200,
            caller=admin,
            path_parameters=by_id,
            body={"name": "Tacos al pastor"},
        )

        joined = self._http(
            "join with the invite",
            "cognito_login",
            "POST /sso/cognito",
            200,
            body={
                "id_token": self.id_token("bob@example.com"),
                "market_token": created["market"]["invite_capability"],
            },
        )
        bob = self._authorize("authorize the new member", joined["uclusion_token"], "POST /invest")
        bob_id = joined["user"]["id"]

        self._http(
            "invest",
            "update_investment",
            "POST /invest",
            200,
            caller=admin,
            body={"investible_id": investible_id, "quantity": 40, "former_quantity": 0},
        )
        self._http(
            "invest again, replacing the quantity",
            "update_investment",
            "POST /invest",
            200,
            caller=admin,
            body={"investible_id": investible_id, "quantity": 60, "former_quantity": 40},
        )
        self._http(
            "invest with a stale former quantity",
            "update_investment",
            "POST /invest",
            409,
            caller=admin,
            body={"investible_id": investible_id, "quantity": 10, "former_quantity": 0},
        )
        self._http(
            "the member invests",
            "update_investment",
            "POST /invest",
            200,
            caller=bob,
            body={"investible_id": investible_id, "quantity": 20},
        )

        self._http(
            "list the stages",
            "list_market",
            "POST /list",
            200,
            caller=admin,
            body={"list_type": "stages"},
        )
        self._http(
            "list the users",
            "list_market",
            "POST /list",
            200,
            caller=admin,
            body={"list_type": "users"},
        )
        self._http(
            "list the investibles", "list_investibles", "POST /investibles", 200, caller=admin
        )
        self._http(
            "list one's own investments", "list_investments", "POST /investments", 200, caller=admin
        )
        self._http(
            "list a member's investments",
            "list_investments",
            "POST /investments",
            200,
            caller=admin,
            body={"user_id": bob_id},
        )
        self._http("get one's presence", "get_user", "GET /users/get", 200, caller=bob)
        self._http(
            "sign in to the market",
            "cognito_login",
            "POST /sso/cognito",
            200,
            body={"id_token": self.id_token("alice@example.com"), "market_id": market_id},
        )

        self._http(
            "remove an investment",
            "remove_investment",
            "DELETE /invest/{investible_id}",
            200,
            caller=bob,
            path_parameters=by_id,
        )
        self._http(
            "ban the member",
            "ban_user",
            "POST /users/ban/{user_id}",
            200,
            caller=admin,
            path_parameters={"user_id": bob_id},
            body={"is_banned": True},
        )
        self._http(
            "move the investible to the next stage",
            "update_investible_stage",
            "PATCH /investibles/state/{investible_id}",
            200,
            caller=admin,
            path_parameters=by_id,
            body={"current_stage_id": stages[0], "stage_id": stages[1]},
        )

        self._http(
            "close the investible to investment",
            "update_investible",
            "PATCH /investibles/{investible_id}",
            200,
            caller=admin,
            path_parameters=by_id,
            body={"open_for_investment": False},
        )

        self.consume_stream("consume the stream")
        self._http(
            "get the summary of one's markets",
            "get_versioned",
            "GET /summaries/versioned",
            200,
            headers={"Authorization": account_token},
        )
        self._http(
            "get the versions of a market",
            "get_versions",
            "GET /summaries/versions",
            200,
            query={"idToken": [account_token], "id": [market_id]},
        )
        self._call("expire investments", "expire_investments", schedule_event())

    def consume_stream(self, step: str) -> None:
        """Hand the stream consumer what the tables' stream holds, batch by batch."""
        for number, batch in enumerate(self.stream_batches()):
            name = step if number == 0 else f"{step} ({number + 1})"
            outcome = self._call(name, "process_stream", {"Records": batch})
            if outcome.error is not None:
                raise StepFailed(f"{name}: {outcome.error}")
