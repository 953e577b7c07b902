"""JSON Schemas of the API's answers and shared parameters, following domain/views.py.

tests/integration/test_openapi.py holds real answers to them.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

SCHEMAS_PREFIX = "#/components/schemas/"


def ref(name: str) -> Schema:
    return {"$ref": SCHEMAS_PREFIX + name}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def object_of(required: Schema, optional: Schema | None = None) -> Schema:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": sorted(required),
        "additionalProperties": False,
    }


_TEXT: Schema = {"type": "string"}
_NULLABLE_TEXT: Schema = {"type": ["string", "null"]}
_FLAG: Schema = {"type": "boolean"}
_INTEGER: Schema = {"type": "integer"}
_VERSION: Schema = {"type": "integer", "minimum": 1}
_TIME: Schema = {"type": "string", "format": "date-time"}
_TOKEN: Schema = {"type": "string", "description": "A capability token (JWT)."}

_MARKET = {
    "id": _TEXT,
    "name": _TEXT,
    "description": _NULLABLE_TEXT,
    "market_type": {"type": "string", "enum": ["PLANNING", "DECISION", "INITIATIVE"]},
    "market_stage": {"type": "string", "enum": ["Active", "Inactive"]},
    "account_id": _TEXT,
    "created_by": _TEXT,
    "investment_expiration": {"type": "integer", "minimum": 1, "maximum": 3650},
    "allow_multi_vote": _FLAG,
    "invite_capability": {**_TOKEN, "description": "An invite token for this market."},
    "version": _VERSION,
    "created_at": _TIME,
    "updated_at": _TIME,
}
_SIGNATURE_TYPES = [
    "market",
    "stage",
    "investible",
    "market_investible",
    "market_capability",
    "investment",
]

ANSWER_SCHEMAS: dict[str, Schema] = {
    "Market": object_of(_MARKET),
    "CurrentMarket": object_of({**_MARKET, "current_user_id": _TEXT}),
    "Stage": object_of(
        {"id": _TEXT, "market_id": _TEXT, "name": _TEXT, "allows_investment": _FLAG}
        | {"version": _VERSION}
    ),
    "Investible": object_of(
        {"id": _TEXT, "name": _TEXT, "description": _NULLABLE_TEXT, "created_by": _TEXT}
        | {"version": _VERSION, "created_at": _TIME, "updated_at": _TIME}
    ),
    "MarketInfo": object_of(
        {"id": _TEXT, "market_id": _TEXT, "investible_id": _TEXT, "stage": _TEXT}
        | {"stage_name": _TEXT, "open_for_investment": _FLAG, "investment_count": _INTEGER}
        | {"investment_total": _INTEGER, "version": _VERSION}
        | {"created_at": _TIME, "updated_at": _TIME}
    ),
    "InvestibleWithInfos": object_of(
        {"investible": ref("Investible"), "market_infos": array(ref("MarketInfo"))}
    ),
    "Investment": object_of(
        {"market_id": _TEXT, "investible_id": _TEXT, "user_id": _TEXT}
        | {"type_object_id": {"type": "string", "pattern": "^investible_"}}
        | {"quantity": {"type": "integer", "minimum": -100, "maximum": 100}}
        | {"comment_id": _NULLABLE_TEXT, "deleted": _FLAG, "version": _VERSION}
        | {"created_at": _TIME, "updated_at": _TIME}
    ),
    "Presence": object_of(
        {"id": _TEXT, "market_id": _TEXT, "account_id": _TEXT, "name": _TEXT, "email": _TEXT}
        | {"is_admin": _FLAG, "market_banned": _FLAG, "version": _VERSION}
    ),
    "User": object_of(
        {"id": _TEXT, "account_id": _TEXT, "name": _TEXT, "email": _TEXT}
        | {"version": _VERSION, "created_at": _TIME}
    ),
    "Account": object_of(
        {"id": _TEXT, "name": _TEXT, "owner_id": _TEXT, "version": _VERSION, "created_at": _TIME}
    ),
    "CreatedMarket": object_of(
        {"market": ref("Market"), "stages": array(ref("Stage")), "presence": ref("Presence")}
        | {"token": {**_TOKEN, "description": "The creator's market token (admin)."}}
    ),
    "AccountLogin": object_of(
        {"uclusion_token": _TOKEN, "account": ref("Account"), "user": ref("User")}
    ),
    "MarketLogin": object_of(
        {"uclusion_token": _TOKEN, "market_id": _TEXT, "user": ref("User")},
        {"market": ref("Market"), "stages": array(ref("Stage"))},
    ),
    "Membership": object_of({"id": _TEXT, "active": _FLAG, "banned": _FLAG}),
    "ObjectVersion": object_of(
        {"object_id_one": _TEXT, "version": _INTEGER}, {"object_id_two": _TEXT}
    ),
    "Signature": object_of(
        {"type": {"type": "string", "enum": _SIGNATURE_TYPES}}
        | {"object_versions": array(ref("ObjectVersion"))}
    ),
    "MarketSignatures": object_of({"market_id": _TEXT, "signatures": array(ref("Signature"))}),
    "SignaturesAnswer": object_of({"signatures": array(ref("MarketSignatures"))}),
    "ValidationProblem": object_of({"loc": array({"type": ["string", "integer"]}), "msg": _TEXT}),
    "Error": object_of(
        {"error_message": _TEXT, "error_code": {"type": "string", "pattern": "^[a-z0-9_]+$"}},
        {
            "errors": array(ref("ValidationProblem")),
            "current_quantity": _INTEGER,
            "current_version": _INTEGER,
            "current_stage_id": _TEXT,
        },
    ),
}

MARKET_IDS: Schema = {
    "name": "id",
    "in": "query",
    "required": False,
    "style": "form",
    "explode": True,
    "description": "A market id; repeat the parameter for each market (at most 100).",
    "schema": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 100},
}
ID_TOKEN: Schema = {
    "name": "idToken",
    "in": "query",
    "required": False,
    "description": "The account token, for clients that cannot set `Authorization`.",
    "schema": {"type": "string"},
}
