"""Absolute links (in mail, exports, storage URLs) from the ONE configured public address.

Never from the request's Host or X-Forwarded-Host: a forged header must not decide where a
password-reset or confirmation link points. The address is PORTAL_BASE_URL, or
SERVER_NAME (config.public_base_url); create_app stores it as PUBLIC_BASE_URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app


def public_base_url(app: Flask | None = None) -> str:
    app = app or current_app
    return app.config["PUBLIC_BASE_URL"]


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` (a full "area.view" name) on the public address."""
    app = current_app._get_current_object()
    base = urlsplit(public_base_url(app))
    adapter = app.url_map.bind(base.netloc, script_name=base.path or "/",
                               url_scheme=base.scheme or "http")
    values = dict(values)
    anchor = values.pop("_anchor", None)
    app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def init_app(app: Flask) -> None:
    app.add_template_global(public_url)
