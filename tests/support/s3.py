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


# LocalStack's S3 checks what moto does not: presigned signatures, a signed Content-Length,
# expiry, key and upload-id swaps. It lives in its own virtualenv (`make localstack`,
# which .ci/run runs), because localstack-core pins versions the portal does not use.
LOCALSTACK_PYTHON = os.environ.get(
    "LOCALSTACK_PYTHON",
    os.path.join(os.path.dirname(__file__), "..", "..", ".venv-localstack", "bin", "python"),
)


@contextmanager
def localstack_server(tmp_dir) -> Iterator[str]:
    """Run LocalStack's S3 (signature validation on) on a free port; yield its endpoint."""
    import socket
    import subprocess
    import time

    import requests

    if not os.path.exists(LOCALSTACK_PYTHON):
        _unavailable(f"LocalStack is not installed ({LOCALSTACK_PYTHON}); run `make localstack`")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pem = os.path.join(tmp_dir, "server.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-keyout", pem + ".key", "-out", pem + ".crt"],
        check=True, capture_output=True, timeout=60,
    )
    with open(pem, "wb") as out:
        for part in (pem + ".key", pem + ".crt"):
            with open(part, "rb") as fh:
                out.write(fh.read())
    env = {
        **os.environ, "OVERRIDE_IN_DOCKER": "0", "SERVICES": "s3",
        "GATEWAY_LISTEN": f"127.0.0.1:{port}", "GATEWAY_SERVER": "hypercorn",
        "PERSISTENCE": "0", "S3_SKIP_SIGNATURE_VALIDATION": "0", "DNS_ADDRESS": "0",
        "DISABLE_EVENTS": "1", "SKIP_SSL_CERT_DOWNLOAD": "1", "CUSTOM_SSL_CERT_PATH": pem,
        "FILESYSTEM_ROOT": os.path.join(tmp_dir, "fs"), "EAGER_SERVICE_LOADING": "1",
    }
    log = open(os.path.join(tmp_dir, "localstack.log"), "wb")  # noqa: SIM115
    proc = subprocess.Popen([LOCALSTACK_PYTHON, "-m", "localstack.runtime.main"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(endpoint + "/_localstack/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.5)
        else:
            _unavailable("LocalStack did not start within 90 s")
        if proc.poll() is not None:
            _unavailable("LocalStack exited at start (see localstack.log)")
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
