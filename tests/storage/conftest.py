"""Fixtures running each storage test against LocalStorage and S3Storage over real HTTP."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from urllib.parse import urljoin

import pytest
import requests
from flask import Flask, request
from flask_babel import Babel
from werkzeug.serving import make_server

from portal.storage import BACKENDS, Storage, get_storage, init_storage
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY
from tests.support.storage_requests import part_url

MiB = 1024 * 1024
SECRET = "storage-tests-secret"


class LiveServer:
    """A Flask app served by werkzeug on 127.0.0.1 in a thread."""

    def __init__(self, app: Flask):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


@dataclass
class Harness:
    backend: str
    app: Flask
    storage: Storage
    base_url: str

    def url(self, url: str) -> str:
        """The local backend signs relative URLs (same origin); S3 signs absolute ones."""
        return urljoin(self.base_url + "/", url)

    def put(self, url: str, data, **kwargs) -> requests.Response:
        return requests.put(self.url(url), data=data, timeout=30, **kwargs)

    def upload_part(
        self, key: str, upload_id: str, number: int, data: bytes, storage: Storage | None = None
    ) -> str:
        """PUT one part the way the browser does and return the ETag header."""
        storage = storage or self.storage
        response = self.put(part_url(storage, key, upload_id, number, len(data)), data)
        assert response.status_code == 200, response.text
        return response.headers["ETag"]

    def restart(self) -> Storage:
        """A new backend instance from the same config, as after an app restart."""
        return BACKENDS[self.backend](self.app)

    def download(
        self, key: str, *, filename: str, content_type: str, inline: bool, headers=None
    ) -> requests.Response:
        return requests.get(
            f"{self.base_url}/dl/{key}",
            params={"filename": filename, "type": content_type, "inline": int(inline)},
            headers=headers or {},
            timeout=30,
        )


def _make_app(backend: str, tmp_path, endpoint: str | None) -> Flask:
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY=SECRET, STORAGE_BACKEND=backend, TESTING=True)
    Babel(app)  # the real app binds it too; messages are lazy gettext strings
    if backend == "local":
        app.config["STORAGE_LOCAL_ROOT"] = str(tmp_path / "uploads")
    else:
        app.config.update(
            S3_BUCKET=f"test-{uuid.uuid4().hex[:20]}",
            S3_ENDPOINT_URL=endpoint,
            S3_REGION=REGION,
            S3_PREFIX="portal-test/",
            S3_ACCESS_KEY_ID=ACCESS_KEY,
            S3_SECRET_ACCESS_KEY=SECRET_KEY,
        )
    init_storage(app)

    # Stands in for the entries blueprint's download view (permission check elided).
    @app.get("/dl/<path:key>")
    def download(key):
        return get_storage().download_response(
            key,
            filename=request.args["filename"],
            content_type=request.args["type"],
            inline=request.args["inline"] == "1",
        )

    return app


@pytest.fixture
def make_harness(request, tmp_path):
    servers = []

    def make(backend: str) -> Harness:
        endpoint = request.getfixturevalue("moto_endpoint") if backend == "s3" else None
        app = _make_app(backend, tmp_path, endpoint)
        storage = app.extensions["storage"]
        server = LiveServer(app)
        servers.append(server)
        if backend == "s3":
            storage.ensure_bucket([server.base_url])
        context = app.test_request_context(base_url=server.base_url)
        context.push()
        servers.append(context)
        return Harness(backend, app, storage, server.base_url)

    yield make
    for item in reversed(servers):
        if isinstance(item, LiveServer):
            item.stop()
        else:
            item.pop()


@pytest.fixture(params=["local", "s3"])
def harness(request, make_harness) -> Harness:
    return make_harness(request.param)


@pytest.fixture
def storage(harness) -> Storage:
    return harness.storage


@pytest.fixture
def local(make_harness) -> Harness:
    return make_harness("local")


@pytest.fixture
def s3(make_harness) -> Harness:
    return make_harness("s3")
