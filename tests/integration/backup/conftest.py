"""Fixtures for backup tests: S3 (moto) or local storage, and fresh apps to restore into."""

from __future__ import annotations

import uuid

import pytest

from portal import create_app
from portal.extensions import db
from portal.storage import S3Storage
from tests.support.databases import create_postgres_database
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY


@pytest.fixture
def storage_backend():
    """Override with params in a module to run its tests on both storage backends."""
    return "local"


def storage_config(backend: str, folder, request) -> dict:
    if backend == "local":
        return {"STORAGE_BACKEND": "local", "STORAGE_LOCAL_ROOT": str(folder / "uploads")}
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": f"backup-{uuid.uuid4().hex[:16]}",
        "S3_ENDPOINT_URL": request.getfixturevalue("moto_endpoint"),
        "S3_REGION": REGION,
        "S3_PREFIX": "portal/",
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }


def _ensure_bucket(app) -> None:
    storage = app.extensions["storage"]
    if isinstance(storage, S3Storage):
        storage.ensure_bucket(["http://localhost"])


@pytest.fixture
def app_config(storage_backend, tmp_path, request):
    return storage_config(storage_backend, tmp_path / "source", request)


@pytest.fixture(autouse=True)
def _source_bucket(request):
    if "app" in request.fixturenames:
        _ensure_bucket(request.getfixturevalue("app"))


@pytest.fixture
def make_fresh_app(db_backend, storage_backend, tmp_path, request):
    """make_fresh_app(share_storage_with=None): a new app on an empty database of the same
    kind, with a new, empty file store of the same kind (or the given app's store)."""
    made = []

    def make(share_storage_with=None):
        folder = tmp_path / f"fresh{len(made)}"
        folder.mkdir()
        if db_backend == "sqlite":
            url, drop = f"sqlite:///{folder / 'portal.sqlite'}", (lambda: None)
        else:
            url, drop = create_postgres_database(fresh=True)
        if share_storage_with is not None:
            storage = {k: v for k, v in share_storage_with.config.items()
                       if k.startswith(("STORAGE_", "S3_"))}
        else:
            storage = storage_config(storage_backend, folder, request)
        app = create_app({
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
            "MAIL_SERVER": None,
            **storage,
        })
        made.append((app, drop))
        with app.app_context():
            db.create_all()
            _ensure_bucket(app)
        return app

    yield make
    for app, drop in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()
