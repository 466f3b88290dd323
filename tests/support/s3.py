"""Starts moto's S3 server on 127.0.0.1 for tests; skips, or fails under REQUIRE_S3=1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


def s3_required() -> bool:
    return os.environ.get("REQUIRE_S3") == "1"


def _unavailable(reason: str):
    if s3_required():
        pytest.fail(f"REQUIRE_S3=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def moto_server() -> Iterator[str]:
    """Run moto's ThreadedMotoServer on a free port; yield its endpoint URL."""
    # moto signs nothing itself, but boto3 refuses to sign without some credentials.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        _unavailable(f"moto[server] is not installed ({exc})")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
        host, port = server.get_host_and_port()
    except Exception as exc:  # noqa: BLE001 - any failure to start means "no S3 here"
        _unavailable(f"moto's S3 server did not start: {exc}")
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
