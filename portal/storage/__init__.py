"""File storage: one Storage interface, two backends, built once per app."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app, url_for

from portal.extensions import limiter

from .base import (
    HashingReader,
    MediaSource,
    ObjectInfo,
    Storage,
    StorageError,
    UploadedPart,
    content_disposition,
    file_sha256,
)
from .local import LocalStorage
from .s3 import S3Storage

__all__ = [
    "BACKENDS",
    "HashingReader",
    "file_sha256",
    "LocalStorage",
    "MediaSource",
    "ObjectInfo",
    "S3Storage",
    "Storage",
    "StorageError",
    "UploadedPart",
    "content_disposition",
    "get_storage",
    "init_storage",
]


def _local_request_url(key: str, query: dict) -> str:
    """The S3-compatible endpoint's URL, relative to the portal (so no Host header of a
    request can ever steer it elsewhere)."""
    return url_for("storage_local.s3_request", key=key, _external=False, **query)


def _build_local(app: Flask) -> LocalStorage:
    root = app.config.get("STORAGE_LOCAL_ROOT") or os.path.join(app.instance_path, "uploads")
    return LocalStorage(
        Path(root), secret_key=app.config["SECRET_KEY"], url_for_request=_local_request_url
    )


def _build_s3(app: Flask) -> S3Storage:
    config = app.config
    if not config["S3_BUCKET"]:
        raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET to be set.")
    return S3Storage(
        config["S3_BUCKET"],
        prefix=config["S3_PREFIX"] or "",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region=config["S3_REGION"],
        access_key=config.get("S3_ACCESS_KEY_ID") or None,
        secret_key=config.get("S3_SECRET_ACCESS_KEY") or None,
        public_endpoint_url=config.get("S3_PUBLIC_ENDPOINT_URL") or None,
    )


BACKENDS: dict[str, Callable[[Flask], Storage]] = {"local": _build_local, "s3": _build_s3}


def init_storage(app: Flask) -> Storage:
    """Build the configured backend once, keep it in ``app.extensions["storage"]`` and,
    for the local backend, register its S3-compatible endpoint (CSRF-exempt).

    Raises RuntimeError for an unknown STORAGE_BACKEND or missing S3_BUCKET, so a
    misconfigured deployment stops at start rather than at the first upload.
    """
    name = app.config["STORAGE_BACKEND"].lower()
    if name not in BACKENDS:
        raise RuntimeError(
            f"STORAGE_BACKEND={name!r} is unknown; use one of: {', '.join(sorted(BACKENDS))}."
        )
    storage = BACKENDS[name](app)
    app.extensions["storage"] = storage
    if isinstance(storage, LocalStorage):
        # Imported here, not at the top: storage.views imports get_storage from this package,
        # and only the local backend has an endpoint to register.
        from .views import bp

        app.register_blueprint(bp)
        _exempt_from_csrf(app, bp)
        # A 4 GB video is hundreds of part PUTs in a few minutes, each carrying its own
        # token: the app-wide rate limits do not apply to this endpoint.
        limiter.exempt(bp)
    return storage


def _exempt_from_csrf(app: Flask, bp) -> None:
    # Flask-WTF's CSRFProtect keeps exemptions on its instance. Exempt now if it is already
    # bound; otherwise do it on the first request, from a hook registered before
    # CSRFProtect's own, so the order of init_storage and csrf.init_app does not matter.
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
        return

    @app.before_request
    def _exempt_storage_part_upload():
        late = app.extensions.get("csrf")
        if late is not None:
            late.exempt(bp)


def get_storage() -> Storage:
    """The current app's storage backend (built by init_storage)."""
    return current_app.extensions["storage"]
