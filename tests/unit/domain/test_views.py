"""The views: exactly the fields of the HTTP contract, with ISO 8601 UTC times."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from domain.model import ObjectVersion, Signatures
from domain.views import (
    investment_view,
    market_view,
    membership_view,
    presence_view,
    signatures_view,
    stage_view,
    timestamp,
)
from tests.unit.domain.conftest import START, Kit, Scene, Services, Stream


def as_json(view: object) -> Any:
    """The view as a client reads it: through JSON, which also proves it serialises."""
    return json.loads(json.dumps(view))


ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

MARKET_FIELDS = {
    "id",
    "name",
    "description",
    "market_type",
    "market_stage",
    "account_id",
    "created_by",
    "investment_expiration",
    "allow_multi_vote",
    "invite_capability",
    "version",
    "created_at",
    "updated_at",
}
STAGE_FIELDS = {"id", "market_id", "name", "allows_investment", "version"}
INVESTIBLE_FIELDS = {
    "id",
    "name",
    "description",
    "created_by",
    "version",
    "created_at",
    "updated_at",
}
MARKET_INFO_FIELDS = {
    "id",
    "market_id",
    "investible_id",
    "stage",
    "stage_name",
    "open_for_investment",
    "investment_count",
    "investment_total",
    "version",
    "created_at",
    "updated_at",
}
INVESTMENT_FIELDS = {
    "market_id",
    "investible_id",
    "user_id",
    "type_object_id",
    "quantity",
    "comment_id",
    "deleted",
    "version",
    "created_at",
    "updated_at",
}
PRESENCE_FIELDS = {
    "id",
    "market_id",
    "account_id",
    "name",
    "email",
    "is_admin",
    "market_banned",
    "version",
}


def test_a_timestamp_is_iso_8601_utc_with_milliseconds_and_a_z() -> None:
    assert timestamp(START) == "2026-01-05T09:30:15.123Z"


def test_a_timestamp_in_another_zone_is_written_in_utc() -> None:
    paris = datetime(2026, 7, 1, 2, 15, 0, 999999, tzinfo=timezone(timedelta(hours=2)))

    assert timestamp(paris) == "2026-07-01T00:15:00.999Z"


def test_a_timestamp_reads_back_as_the_same_instant_to_the_millisecond() -> None:
    written = timestamp(START)

    read = datetime.strptime(written, "%Y-%m-%dT%H:%M:%S.%f%z")

    assert read == START.replace(microsecond=123000)
    assert read.utcoffset() == timedelta(0)


def test_a_market_has_exactly_the_contract_fields(kit: Kit, scene: Scene) -> None:
    view = market_view(scene.market)

    assert set(view) == MARKET_FIELDS
    assert (view["market_type"], view["market_stage"]) == ("PLANNING", "Active")
    assert view["invite_capability"] == scene.market.invite_capability
    assert ISO_UTC.match(str(view["created_at"])) and ISO_UTC.match(str(view["updated_at"]))


def test_the_create_answer_holds_market_stages_presence_and_token(kit: Kit) -> None:
    created = kit.create_market(kit.user("ada"))

    view = as_json(created.view())

    assert set(view) == {"market", "stages", "presence", "token"}
    assert view["token"] == created.token
    assert set(view["market"]) == MARKET_FIELDS
    assert [set(stage) for stage in view["stages"]] == [STAGE_FIELDS] * 4
    assert set(view["presence"]) == PRESENCE_FIELDS


def test_a_stage_has_exactly_the_contract_fields(scene: Scene) -> None:
    view = stage_view(scene.market.stages[0])

    assert view == {
        "id": scene.market.stages[0].id,
        "market_id": scene.market_id,
        "name": "Approvable",
        "allows_investment": True,
        "version": 1,
    }


def test_an_investible_comes_with_its_market_infos(services: Services, scene: Scene) -> None:
    found = services.investibles.get(scene.admin, scene.market_id, scene.investible)

    view = found.view()

    assert set(view) == {"investible", "market_infos"}
    investible, infos = view["investible"], view["market_infos"]
    assert isinstance(investible, dict) and isinstance(infos, list)
    assert set(investible) == INVESTIBLE_FIELDS
    assert [set(info) for info in infos] == [MARKET_INFO_FIELDS]
    assert infos[0]["stage"] == scene.market.stages[0].id
    assert infos[0]["stage_name"] == "Approvable"
    assert all(ISO_UTC.match(investible[name]) for name in ("created_at", "updated_at"))


def test_an_investment_names_its_investible_as_type_object_id(kit: Kit, scene: Scene) -> None:
    investment = kit.invest(scene.member, scene.market_id, scene.investible, 42)

    view = investment_view(investment)

    assert view == {
        "market_id": scene.market_id,
        "investible_id": scene.investible,
        "user_id": scene.member,
        "type_object_id": f"investible_{scene.investible}",
        "quantity": 42,
        "comment_id": None,
        "deleted": False,
        "version": 1,
        "created_at": "2026-01-05T09:30:15.123Z",
        "updated_at": "2026-01-05T09:30:15.123Z",
    }
    assert set(view) == INVESTMENT_FIELDS


def test_a_presence_has_exactly_the_contract_fields(services: Services, scene: Scene) -> None:
    presence = services.users.presence(scene.member, scene.market_id)

    view = presence_view(presence)

    assert set(view) == PRESENCE_FIELDS
    assert (view["id"], view["is_admin"], view["market_banned"]) == (scene.member, False, False)


def test_memberships_and_signatures_read_as_the_summary_routes_answer(
    services: Services, stream: Stream, scene: Scene
) -> None:
    stream.drain()

    [membership] = services.summaries.memberships(scene.member)
    [signatures] = services.summaries.signatures(scene.member, [scene.market_id])

    assert membership_view(membership) == {"id": scene.market_id, "active": True, "banned": False}
    view = as_json(signatures_view(signatures))
    assert set(view) == {"market_id", "signatures"}
    kinds = [entry["type"] for entry in view["signatures"]]
    assert kinds == sorted(
        ["market", "stage", "investible", "market_investible", "market_capability"]
    )


def test_a_signature_line_names_its_second_id_only_when_it_has_one() -> None:
    signatures = Signatures("m-1")
    signatures.record("market", ObjectVersion("m-1", 3))
    signatures.record("investment", ObjectVersion("i-1", 2, "u-1"))

    assert signatures_view(signatures) == {
        "market_id": "m-1",
        "signatures": [
            {
                "type": "investment",
                "object_versions": [{"object_id_one": "i-1", "object_id_two": "u-1", "version": 2}],
            },
            {"type": "market", "object_versions": [{"object_id_one": "m-1", "version": 3}]},
        ],
    }


def test_login_answers_carry_the_contract_keys(kit: Kit, services: Services, scene: Scene) -> None:
    account = as_json(kit.sign_in("bob").view())
    market = as_json(services.sso.market_login(kit.identity("bob"), scene.market_id).view())

    assert set(account) == {"uclusion_token", "account", "user"}
    assert set(market) == {"uclusion_token", "market_id", "user"}
    assert account["user"]["created_at"] == "2026-01-05T09:30:15.123Z"
