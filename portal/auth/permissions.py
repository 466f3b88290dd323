"""Who may do what with an account."""

from __future__ import annotations


def can_edit_account(user, account, *, now=None) -> bool:
    """Only the account holder edits their own profile and password."""
    return bool(getattr(user, "is_authenticated", False)) and user.id == account.id
