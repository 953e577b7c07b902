"""Stable ids for the people who sign in, derived from their identity provider's subject."""

from __future__ import annotations

import uuid

# A fixed namespace: the same subject always maps to the same user, so a retried first
# sign-in finds the user the first attempt created instead of making a second one.
_USERS = uuid.UUID("6c1f3f7e-6a86-4d0c-9a0a-2f4e7b1d5c3a")


def user_id_for(subject: str) -> str:
    """The user id of the person the identity provider names `subject`."""
    return str(uuid.uuid5(_USERS, subject))


def personal_account_id(user_id: str) -> str:
    """The id of the personal account made for a user at first sign-in."""
    return str(uuid.uuid5(_USERS, f"account:{user_id}"))
