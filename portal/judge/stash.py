"""Scores typed while the login expired: kept in a short-lived signed cookie until login.

Logging in starts a fresh session (``session.clear()`` in auth), so the stash cannot live
in the session; it is its own HttpOnly cookie, signed with the app's secret, bound to one
assignment, limited to the judge pages' path and valid for a few hours. It holds only
what the judge typed (scores, comment, the sheet version they started from) and is
read only after the assigned judge has logged in again; then it is deleted.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "judge_pending_sheet"
MAX_AGE = 4 * 3600
_COOKIE_LIMIT = 3800  # browsers drop cookies above ~4 KB
_SALT = "judge-pending-sheet"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def stash(response, *, assignment_id: int, values: dict[str, str], comment: str,
          version: str) -> None:
    """Attach the typed values to ``response`` as the pending-sheet cookie; a comment too
    long for a cookie is shortened (the notice says so)."""
    comment = comment or ""
    truncated = False
    while True:
        token = _serializer().dumps(
            {"a": assignment_id, "v": values, "c": comment, "ver": version, "t": truncated}
        )
        if len(token) <= _COOKIE_LIMIT or not comment:
            break
        comment = comment[: len(comment) // 2]
        truncated = True
    response.set_cookie(
        COOKIE, token, max_age=MAX_AGE, path="/judge/", httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax",
    )


def read(request, assignment_id: int) -> dict | None:
    """The stashed values for this assignment, or None (absent, forged, expired, other)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != assignment_id:
        return None
    values = data.get("v") if isinstance(data.get("v"), dict) else {}
    return {
        "values": {str(k): str(v) for k, v in values.items()},
        "comment": str(data.get("c") or ""),
        "version": str(data.get("ver") or ""),
        "truncated": bool(data.get("t")),
    }


def clear(response) -> None:
    response.delete_cookie(COOKIE, path="/judge/")
