"""Request-body limits: small for every route, larger only on the views that declare it."""

from __future__ import annotations

from flask import Flask, current_app, request


def body_limit(config_key: str):
    """Let the decorated view accept a body up to ``app.config[config_key]`` bytes instead
    of the app-wide MAX_CONTENT_LENGTH (which is sized for forms)."""

    def mark(view):
        view.body_limit_key = config_key
        return view

    return mark


def _limit_key() -> str | None:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "body_limit_key", None)


def streams_its_body() -> bool:
    """True on the views marked @body_limit: they read the body themselves, as a stream,
    so nothing else may parse it as a form."""
    return _limit_key() is not None


def _raise_limit_for_this_view() -> None:
    key = _limit_key()
    if key is not None:
        request.max_content_length = current_app.config[key]


def init_app(app: Flask) -> None:
    # First of all before_request hooks: CSRF protection reads the form, and must do so
    # under the limit of the view the request is for.
    app.before_request_funcs.setdefault(None, []).insert(0, _raise_limit_for_this_view)
