"""IAM policy evaluation as API Gateway applies an authorizer's policy to one request.

Only what an authorizer's policy uses: `Effect`, `Action`/`NotAction` and
`Resource`/`NotResource` with `*` and `?` wildcards. An explicit Deny wins over any Allow,
and a request that no statement allows is denied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum
from functools import lru_cache
from typing import Any

INVOKE = "execute-api:Invoke"


class Decision(Enum):
    """The outcome of evaluating a policy for one method ARN."""

    ALLOW = "allow"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"

    @property
    def allowed(self) -> bool:
        """Whether the request may go on."""
        return self is Decision.ALLOW


class MalformedPolicy(ValueError):
    """The policy document cannot be evaluated (API Gateway answers 500 for it)."""


def method_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """The ARN of a call as API Gateway names it: `.../<stage>/<METHOD>/<path without '/'>`."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


def evaluate(policy: Mapping[str, Any], resource: str, action: str = INVOKE) -> Decision:
    """Whether `policy` lets `action` on `resource` through."""
    allowed = False
    for statement in _statements(policy):
        if not _applies(statement, resource, action):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return Decision.EXPLICIT_DENY
        if effect == "Allow":
            allowed = True
        else:
            raise MalformedPolicy(f"a statement has the effect {effect!r}")
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whether `value` fits `pattern`, where `*` stands for any run of characters and `?`
    for exactly one."""
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if not isinstance(policy, Mapping):
        raise MalformedPolicy("the policy document is not an object")
    statements = policy.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, Mapping) for s in statements):
        raise MalformedPolicy("the policy document has no list of statements")
    return statements


def _applies(statement: Mapping[str, Any], resource: str, action: str) -> bool:
    if "Condition" in statement:
        # Conditions never hold locally: a statement that needs one is not applied.
        return False
    action_ok = _listed(statement, "Action", "NotAction", action, ignore_case=True)
    return action_ok and _listed(statement, "Resource", "NotResource", resource)


def _listed(
    statement: Mapping[str, Any], key: str, not_key: str, value: str, *, ignore_case: bool = False
) -> bool:
    if key in statement:
        return any(matches(p, value, ignore_case=ignore_case) for p in _strings(statement[key]))
    if not_key in statement:
        patterns = _strings(statement[not_key])
        return not any(matches(p, value, ignore_case=ignore_case) for p in patterns)
    raise MalformedPolicy(f"a statement has neither {key} nor {not_key}")


def _strings(value: object) -> Iterable[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise MalformedPolicy("a statement lists something other than strings")
    return items


@lru_cache(maxsize=1024)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)
