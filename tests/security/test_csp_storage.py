"""The CSP lets pages load files and send parts to exactly the configured storage origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from portal import create_app
from portal.storage import get_storage
from tests.support.web import directives

FILE_DIRECTIVES = ("img-src", "media-src", "frame-src", "connect-src")
NOT_AN_ORIGIN = {"'self'", "data:", "blob:"}


def _app(tmp_path, **config):
    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "SERVER_NAME": "localhost",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "csp.sqlite"),
        "STORAGE_LOCAL_ROOT": str(tmp_path / "uploads"), "RATELIMIT_ENABLED": False,
        **config,
    })


def _csp(app) -> dict[str, list[str]]:
    response = app.test_client().get("/auth/login")
    assert response.status_code == 200
    return directives(response.headers["Content-Security-Policy"])


def _origins(csp) -> dict[str, list[str]]:
    return {d: [s for s in csp[d] if s not in NOT_AN_ORIGIN] for d in FILE_DIRECTIVES}


@pytest.mark.parametrize(("config", "origin"), [
    ({"S3_ENDPOINT_URL": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000"),
    ({"S3_ENDPOINT_URL": "http://minio:9000",
      "S3_PUBLIC_ENDPOINT_URL": "http://files.baohatinh.vn:8080"},
     "http://files.baohatinh.vn:8080"),
    ({"S3_ENDPOINT_URL": "https://s3.viettelcloud.vn", "S3_PREFIX": "giai"},
     "https://s3.viettelcloud.vn"),
])
def test_csp_names_exactly_the_s3_origin(tmp_path, config, origin):
    app = _app(tmp_path, STORAGE_BACKEND="s3", S3_BUCKET="giai", S3_ACCESS_KEY_ID="k",
               S3_SECRET_ACCESS_KEY="s", **config)
    csp = _csp(app)
    assert _origins(csp) == dict.fromkeys(FILE_DIRECTIVES, [origin])
    for sources in csp.values():
        assert not {"https:", "http:", "*"} & set(sources)
    with app.app_context():  # the judge's photo is redirected there
        photo = urlsplit(get_storage().presigned_get_url("ed/1/photo"))
    assert f"{photo.scheme}://{photo.netloc}" == origin


def test_csp_on_aws_names_the_bucket_host(tmp_path):
    app = _app(tmp_path, STORAGE_BACKEND="s3", S3_BUCKET="giai-bua-liem",
               S3_REGION="ap-southeast-1", S3_ACCESS_KEY_ID="k", S3_SECRET_ACCESS_KEY="s")
    with app.app_context():
        photo = urlsplit(get_storage().presigned_get_url("ed/1/photo"))
    assert photo.scheme == "https" and photo.netloc.startswith("giai-bua-liem.")
    assert _origins(_csp(app)) == dict.fromkeys(FILE_DIRECTIVES, [f"https://{photo.netloc}"])


def test_csp_with_local_storage_names_only_self(tmp_path):
    csp = _csp(_app(tmp_path, STORAGE_BACKEND="local"))
    assert _origins(csp) == dict.fromkeys(FILE_DIRECTIVES, [])
    assert all("'self'" in csp[d] for d in FILE_DIRECTIVES)
