"""init_storage and get_storage: one backend per app, chosen by STORAGE_BACKEND."""

from __future__ import annotations

import pytest
from flask import Flask

import config as config_module
from portal.storage import LocalStorage, S3Storage, get_storage, init_storage


def make_app(tmp_path, **config) -> Flask:
    # The defaults are config.Config's (the only place that has any), as in create_app.
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.from_object(config_module.Config)
    app.config.update(SECRET_KEY="k", **config)
    return app


def test_local_is_the_default_under_the_instance_folder(tmp_path):
    app = make_app(tmp_path)
    storage = init_storage(app)
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "instance" / "uploads"
    assert "storage_local" in app.blueprints
    with app.app_context():
        assert get_storage() is storage is app.extensions["storage"]


def test_s3_backend_reads_its_settings(tmp_path):
    app = make_app(
        tmp_path,
        STORAGE_BACKEND="s3",
        S3_BUCKET="awards",
        S3_PREFIX="/2025/",
        S3_ENDPOINT_URL="http://minio:9000",
        S3_REGION="ap-southeast-1",
        S3_ACCESS_KEY_ID="a",
        S3_SECRET_ACCESS_KEY="b",
    )
    storage = init_storage(app)
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage._prefix, storage.region) == (
        "awards",
        "2025/",
        "ap-southeast-1",
    )
    assert storage.client.meta.endpoint_url == "http://minio:9000"
    assert storage.client.meta.config.s3 == {"addressing_style": "path"}
    assert storage.client.meta.config.signature_version == "s3v4"
    assert "storage_local" not in app.blueprints


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND='ftp' is unknown; use one of: local, s3."),
        ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs S3_BUCKET to be set."),
    ],
)
def test_bad_configuration_stops_the_start(tmp_path, config, message):
    with pytest.raises(RuntimeError) as caught:
        init_storage(make_app(tmp_path, **config))
    assert str(caught.value) == message
