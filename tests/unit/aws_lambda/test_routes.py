"""Every route through its real handler, with the authorizer's context, on memory."""

from __future__ import annotations

from adapters.memory import MemoryStore
from tests.support.events import api_event
from tests.support.harness import Harness


def _decision(api: Harness) -> tuple[dict, dict, str, str]:
    created = api.create_market("admin@example.com")
    admin = created["token"]
    member = api.join("member@example.com", created["market"]["invite_capability"])
    return created, member, admin, member["uclusion_token"]


def test_creating_a_market_answers_market_stages_presence_and_an_admin_token(api: Harness):
    created = api.create_market("admin@example.com", market_type="PLANNING")

    assert created["market"]["market_type"] == "PLANNING"
    assert [s["name"] for s in created["stages"]] == ["Approvable", "Doable", "Blocked", "Backlog"]
    assert created["presence"]["is_admin"] is True
    claims = api.authorize(created["token"])["context"]
    assert claims["is_admin"] is True and claims["market_id"] == created["market"]["id"]


def test_get_market_names_the_current_user(api: Harness):
    created = api.create_market("admin@example.com")

    response = api.call("get_market", "GET", "/get", token=created["token"])

    assert response.status == 200
    assert response.body["id"] == created["market"]["id"]
    assert response.body["current_user_id"] == created["presence"]["id"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"] == "application/json"


def test_a_member_invests_and_a_stale_former_quantity_conflicts(api: Harness):
    _, _, admin, member = _decision(api)
    investible = api.create_investible(admin)["investible"]["id"]

    first = api.call(
        "update_investment",
        "POST",
        "/invest",
        token=member,
        body={"investible_id": investible, "quantity": 40},
    )
    stale = api.call(
        "update_investment",
        "POST",
        "/invest",
        token=member,
        body={"investible_id": investible, "quantity": 10},
    )

    assert first.status == 200
    assert first.body["type_object_id"] == f"investible_{investible}"
    assert stale.status == 409
    assert stale.body["error_code"] == "quantity_conflict"
    assert stale.body["current_quantity"] == 40


def test_a_vote_moves_in_a_decision_market(api: Harness, store: MemoryStore):
    _, member_login, admin, member = _decision(api)
    first = api.create_investible(admin, "Tacos")["investible"]["id"]
    second = api.create_investible(admin, "Pizza")["investible"]["id"]
    api.call(
        "update_investment",
        "POST",
        "/invest",
        token=member,
        body={"investible_id": first, "quantity": 50},
    )

    moved = api.call(
        "update_investment",
        "POST",
        "/invest",
        token=member,
        body={"investible_id": second, "quantity": 30},
    )
    listed = api.call("list_investments", "POST", "/investments", token=member, body={})

    assert moved.status == 200
    by_investible = {i["investible_id"]: i for i in listed.body}
    assert by_investible[first]["deleted"] is True and by_investible[first]["quantity"] == 0
    assert by_investible[second]["deleted"] is False and by_investible[second]["quantity"] == 30


def test_removing_an_investment_is_soft_and_a_second_removal_is_404(api: Harness):
    _, _, admin, member = _decision(api)
    investible = api.create_investible(admin)["investible"]["id"]
    api.call(
        "update_investment",
        "POST",
        "/invest",
        token=member,
        body={"investible_id": investible, "quantity": 5},
    )
    path = {"investible_id": investible}

    removed = api.call(
        "remove_investment", "DELETE", "/invest/{investible_id}", token=member, path_parameters=path
    )
    again = api.call(
        "remove_investment", "DELETE", "/invest/{investible_id}", token=member, path_parameters=path
    )

    assert removed.status == 200
    assert removed.body["deleted"] is True and removed.body["quantity"] == 0
    assert again.status == 404


def test_only_an_admin_updates_the_market(api: Harness):
    _, _, admin, member = _decision(api)

    by_member = api.call("update_market", "PATCH", "/update", token=member, body={"name": "x"})
    by_admin = api.call(
        "update_market", "PATCH", "/update", token=admin, body={"name": "Lunch", "version": 1}
    )
    stale = api.call(
        "update_market", "PATCH", "/update", token=admin, body={"name": "Dinner", "version": 1}
    )
    empty = api.call("update_market", "PATCH", "/update", token=admin, body={})

    assert by_member.status == 403 and by_member.body["error_code"] == "not_admin"
    assert by_admin.status == 200 and by_admin.body["version"] == 2
    assert stale.status == 409 and stale.body["current_version"] == 2
    assert empty.status == 400


def test_an_inactive_market_refuses_investment_with_403(api: Harness):
    _, _, admin, member = _decision(api)
    investible = api.create_investible(admin)["investible"]["id"]
    api.call("update_market", "PATCH", "/update", token=admin, body={"market_stage": "Inactive"})

    response = api.call(
        "update_investment",
        "POST",
        "/invest",
        token=member,
        body={"investible_id": investible, "quantity": 5},
    )

    assert response.status == 403 and response.body["error_code"] == "market_inactive"


def test_a_ban_takes_effect_on_the_next_request_and_a_banned_login_is_410(api: Harness):
    created, member_login, admin, member = _decision(api)
    member_id = member_login["user"]["id"]

    banned = api.call(
        "ban_user",
        "POST",
        "/users/ban/{user_id}",
        token=admin,
        path_parameters={"user_id": member_id},
        body={"is_banned": True},
    )
    refused = api.call("get_market", "GET", "/get", token=member)
    login = api.call(
        "cognito_login",
        "POST",
        "/sso/cognito",
        body={"id_token": api.id_token("member@example.com"), "market_id": created["market"]["id"]},
    )

    assert banned.status == 200 and banned.body["market_banned"] is True
    assert refused.status == 403 and refused.body["error_code"] == "banned"
    assert login.status == 410


def test_investibles_routes_create_get_edit_and_move(api: Harness):
    created, _, admin, member = _decision(api)
    stages = {s["name"]: s["id"] for s in created["stages"]}
    made = api.create_investible(admin, "Tacos", description="Crunchy")
    investible = made["investible"]["id"]
    path = {"investible_id": investible}

    got = api.call(
        "get_investible", "GET", "/investibles/{investible_id}", token=member, path_parameters=path
    )
    edit_by_member = api.call(
        "update_investible",
        "PATCH",
        "/investibles/{investible_id}",
        token=member,
        path_parameters=path,
        body={"name": "Nope"},
    )
    edited = api.call(
        "update_investible",
        "PATCH",
        "/investibles/{investible_id}",
        token=admin,
        path_parameters=path,
        body={"name": "Soft tacos"},
    )
    moved = api.call(
        "update_investible_stage",
        "PATCH",
        "/investibles/state/{investible_id}",
        token=admin,
        path_parameters=path,
        body={"current_stage_id": stages["Approvable"], "stage_id": stages["Proposed"]},
    )
    stale_move = api.call(
        "update_investible_stage",
        "PATCH",
        "/investibles/state/{investible_id}",
        token=admin,
        path_parameters=path,
        body={"current_stage_id": stages["Approvable"], "stage_id": stages["Proposed"]},
    )

    assert got.status == 200 and got.body["investible"]["description"] == "Crunchy"
    assert edit_by_member.status == 403
    assert edited.status == 200 and edited.body["investible"]["version"] == 2
    assert moved.status == 200
    assert moved.body["market_infos"][0]["stage_name"] == "Proposed"
    assert stale_move.status == 409 and stale_move.body["error_code"] == "stage_conflict"


def test_fetch_by_signature_routes_return_objects_at_least_as_new(api: Harness):
    created, member_login, admin, member = _decision(api)
    investible = api.create_investible(admin)
    investible_id = investible["investible"]["id"]
    stage_id = created["stages"][0]["id"]

    stages = api.call(
        "list_market",
        "POST",
        "/list",
        token=member,
        body={"list_type": "stages", "versions": [{"id": stage_id, "version": 1}]},
    )
    too_new = api.call(
        "list_market",
        "POST",
        "/list",
        token=member,
        body={"list_type": "stages", "versions": [{"id": stage_id, "version": 2}]},
    )
    users = api.call("list_market", "POST", "/list", token=member, body={"list_type": "users"})
    investibles = api.call(
        "list_investibles",
        "POST",
        "/investibles",
        token=member,
        body={"versions": [{"investible": {"id": investible_id, "version": 1}}]},
    )

    assert [s["id"] for s in stages.body] == [stage_id]
    assert too_new.body == []
    assert {u["id"] for u in users.body} == {created["presence"]["id"], member_login["user"]["id"]}
    assert [i["investible"]["id"] for i in investibles.body] == [investible_id]


def test_users_get_answers_the_callers_presence(api: Harness):
    _, member_login, _, member = _decision(api)

    response = api.call("get_user", "GET", "/users/get", token=member)

    assert response.status == 200
    assert response.body["id"] == member_login["user"]["id"]
    assert response.body["is_admin"] is False


def test_a_duplicate_gateway_request_answers_208_with_the_original(api: Harness, store):
    _, _, admin, member = _decision(api)
    investible = api.create_investible(admin)["investible"]["id"]
    body = {"investible_id": investible, "quantity": 7}

    first = api.call(
        "update_investment",
        "POST",
        "/invest",
        token=member,
        body=body,
        request_id="gateway-request-1",
    )
    changes = len(store.changes())
    again = api.call(
        "update_investment",
        "POST",
        "/invest",
        token=member,
        body=body,
        request_id="gateway-request-1",
    )

    assert first.status == 200
    assert again.status == 208 and again.body == first.body
    assert len(store.changes()) == changes


def test_a_handler_refuses_a_context_of_the_wrong_token_type_with_403(api: Harness):
    account_context = {
        "principalId": "u1",
        "user_id": "u1",
        "token_type": "account",
        "account_id": "a1",
        "market_id": "",
        "is_admin": "false",
    }

    response = api.invoke("get_market", api_event("GET", "/get", authorizer=account_context))

    assert response.status == 403 and response.body["error_code"] == "wrong_token_type"


def test_a_handler_without_an_authorizer_context_answers_401(api: Harness):
    response = api.invoke("get_market", api_event("GET", "/get"))

    assert response.status == 401 and response.body["error_code"] == "unauthorized"


def test_summaries_take_the_account_token_in_the_header_or_the_query(api: Harness):
    created = api.create_market("admin@example.com")
    account = api.sign_in("admin@example.com")["uclusion_token"]
    market_id = created["market"]["id"]

    by_header = api.call(
        "get_versioned",
        "GET",
        "/summaries/versioned",
        authorize=False,
        headers={"Authorization": account},
    )
    by_query = api.call(
        "get_versions",
        "GET",
        "/summaries/versions",
        authorize=False,
        query={"idToken": [account], "id": [market_id]},
    )
    with_market_token = api.call(
        "get_versioned",
        "GET",
        "/summaries/versioned",
        authorize=False,
        headers={"Authorization": created["token"]},
    )
    with_nothing = api.call(
        "get_versioned",
        "GET",
        "/summaries/versioned",
        authorize=False,
        headers={"Authorization": "undefined"},
    )

    assert by_header.status == 200 and isinstance(by_header.body, list)
    assert by_query.status == 200 and "signatures" in by_query.body
    assert with_market_token.status == 403
    assert with_nothing.status == 401
