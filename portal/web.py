"""Templates' shared context, error pages and the small pages every visitor sees."""

from __future__ import annotations

import re

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from portal import limits, permissions
from portal.extensions import db


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" or request.path.startswith("/api/")


def _error(status: int, title: str, message: str):
    if _wants_json():
        return jsonify(error=message), status
    return render_template("errors.html", status=status, title=title, message=message), status


# C0 controls but tab, LF and CR; DEL; C1 controls. PostgreSQL refuses NUL in text, and
# none of them belongs in a name, a title or an address.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def has_control_characters() -> bool:
    """True when the request's path, query string, form (names and values) or JSON body
    holds a control character other than tab, line feed and carriage return."""
    texts = [request.path]
    # The storage's part endpoints read their body as bytes: only their URL is text.
    body_is_text = not limits.streams_its_body()
    for multi in (request.args, request.form) if body_is_text else (request.args,):
        for key, values in multi.lists():
            texts.append(key)
            texts.extend(values)
    if body_is_text and request.is_json:
        texts.extend(_strings(request.get_json(silent=True)))
    return any(_CONTROL.search(text) for text in texts)


def _discard_failed_transaction() -> None:
    """Roll the request's session back before the error page is drawn.

    After a database error (a lost connection, a deadlock) the session refuses every
    query until rolled back, and the layout needs queries (the current user, the menus):
    without this the "nothing was changed" page itself fails and the user gets a bare
    "Internal Server Error". A rollback on a dead connection raises too; the pool then
    drops that connection, so the error is of no further interest.
    """
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - already answering an error; keep the page
        current_app.logger.warning("rollback after a failed request also failed", exc_info=True)


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_control_characters():
        """One check for every form, filter and JSON call: refuse, with a clear reason,
        rather than strip (a silently changed title or name is worse than a retype)."""
        if not has_control_characters():
            return None
        message = _(
            "What you sent contains invisible control characters (such as a NUL byte), "
            "which the portal does not accept. Remove them, for example by typing the text "
            "instead of pasting it, and send again. Nothing was changed."
        )
        if request.is_json:
            return jsonify(error=message), 400
        return _error(400, _("Characters not accepted"), message)

    @app.context_processor
    def inject_permissions():
        return {
            "perm": permissions,
            "organizer_contest_ids": permissions.organizer_contest_ids,
            "judge_contest_ids": permissions.judge_contest_ids,
        }

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error(
            400,
            _("The form has expired"),
            _(
                "The security token of this form is missing or has expired. "
                "Go back, reload the page and send the form again; nothing was changed."
            ),
        )

    @app.errorhandler(403)
    def forbidden(exc):
        return _error(403, _("Not allowed"), _("You do not have permission to do this."))

    @app.errorhandler(404)
    def not_found(exc):
        return _error(
            404,
            _("Page not found"),
            _("This page does not exist, or you do not have access to it."),
        )

    @app.errorhandler(405)
    def method_not_allowed(exc):
        return _error(405, _("Not allowed"), _("This address does not accept that request."))

    @app.errorhandler(413)
    def too_large(exc):
        message = _("What you sent is larger than the portal accepts. Nothing was saved.")
        if request.is_json:  # a JSON call answers JSON whatever it accepts
            return jsonify(error=message), 413
        return _error(413, _("Too large"), message)

    @app.errorhandler(429)
    def too_many(exc):
        return _error(
            429,
            _("Too many attempts"),
            _("Too many attempts in a short time. Wait a minute and try again."),
        )

    @app.errorhandler(503)
    def unavailable(exc):
        return _error(
            503,
            _("Temporarily unavailable"),
            _(
                "A service the portal depends on (the database or the file store) is not "
                "reachable right now. Nothing was changed; try again in a few minutes."
            ),
        )

    @app.errorhandler(500)
    def server_error(exc):
        _discard_failed_transaction()
        return _error(
            500,
            _("Something went wrong"),
            _(
                "The portal could not finish this request and nothing was changed. "
                "Try again; if it keeps happening, contact the secretariat."
            ),
        )
