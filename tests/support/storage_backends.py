"""Run a test on both storage backends: local files, and S3 through moto over real HTTP.

A test module uses it with::

    from tests.support.storage_backends import app_config_for, fetch  # noqa
    @pytest.fixture(params=BACKENDS)
    def storage_backend(request): ...
    @pytest.fixture
    def app_config(request, storage_backend): return app_config_for(request, storage_backend)

and calls ``prepare(app)`` before writing objects (it makes the bucket on S3).
"""

from __future__ import annotations

import uuid

import pytest
import requests

from portal.storage import S3Storage, get_storage

BACKENDS = ["local", "s3"]


@pytest.fixture(params=BACKENDS)
def storage_backend(request):
    return request.param


def app_config_for(request, backend: str, **extra) -> dict:
    if backend == "local":
        return dict(extra)
    return {
        **extra,
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": f"portal-{uuid.uuid4().hex[:12]}",
        "S3_ENDPOINT_URL": request.getfixturevalue("moto_endpoint"),
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
    }


def prepare(app) -> None:
    """Make the bucket (S3); local storage needs nothing."""
    with app.app_context():
        storage = get_storage()
        if isinstance(storage, S3Storage):
            storage.ensure_bucket(["http://localhost"])


def fetch(response) -> bytes:
    """The bytes a browser ends up with: the body, or the presigned GET's body on S3."""
    if response.status_code == 302 and response.headers["Location"].startswith("http"):
        got = requests.get(response.headers["Location"], timeout=30)
        assert got.status_code == 200, got.text[:500]
        return got.content
    assert response.status_code == 200, response.status_code
    return response.get_data()
