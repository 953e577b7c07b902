"""A first sign-in delivered twice with the same gateway request id is applied once."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryStore
from domain.errors import DuplicateRequest
from tests.unit.domain.conftest import Kit


def test_a_duplicated_first_sign_in_answers_the_first_answer_and_writes_nothing(
    kit: Kit, store: MemoryStore
) -> None:
    first = kit.services.sso.login(kit.identity("ada"), "gateway-request-1")
    written = len(store.changes())
    issued = len(kit.tokens.issued)

    with pytest.raises(DuplicateRequest) as raised:
        kit.services.sso.login(kit.identity("ada"), "gateway-request-1")

    assert raised.value.result == first.view()
    assert len(store.changes()) == written
    assert len(kit.tokens.issued) == issued


def test_a_later_sign_in_with_a_new_request_id_is_answered_as_usual(kit: Kit) -> None:
    first = kit.services.sso.login(kit.identity("ada"), "gateway-request-1")

    again = kit.services.sso.login(kit.identity("ada"), "gateway-request-2")

    assert (again.user, again.account) == (first.user, first.account)
    assert again.token != first.token


def test_a_sign_in_that_creates_nothing_keeps_no_request_record(kit: Kit) -> None:
    """Only a write is recorded: a repeated sign-in of a known user signs in again."""
    kit.services.sso.login(kit.identity("ada"), "gateway-request-1")
    kit.services.sso.login(kit.identity("ada"), "gateway-request-2")

    repeated = kit.services.sso.login(kit.identity("ada"), "gateway-request-2")

    assert repeated.user.name == "Ada"
