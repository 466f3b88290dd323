"""Templates' shared context, error pages and the small pages every visitor sees."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from portal import permissions
from portal.extensions import db


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" or request.path.startswith("/api/")


def _error(status: int, title: str, message: str):
    if _wants_json():
        return jsonify(error=message), status
    return render_template("errors.html", status=status, title=title, message=message), status


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
    @app.context_processor
    def inject_permissions():
        return {
            "perm": permissions,
            "organizer_contest_ids": permissions.organizer_contest_ids,
            "judge_contest_ids": permissions.judge_contest_ids,
            "url_endpoints": current_app.view_functions,
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
