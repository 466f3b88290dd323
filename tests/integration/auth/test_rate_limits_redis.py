"""Rate limits kept in Redis are shared by every process of the portal.

Flask-Limiter's `limiter` is one object per Python process, so two apps created in the
same process would share its storage whatever the backend. The second app therefore
runs in a separate Python process (its own create_app), as a second gunicorn worker would.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from tests.support.databases import require
from tests.support.web import html, post_form

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[3]

SECOND_PROCESS = """
import json, sys
from portal import create_app
config = json.loads(sys.argv[1])
app = create_app(config)
client = app.test_client()
statuses = [
    client.post("/auth/login", data={"email": "mai@baohatinh.vn", "password": "guess-number-x"},
                environ_base={"REMOTE_ADDR": config["_IP"]}).status_code
    for _ in range(int(sys.argv[2]))
]
print(json.dumps(statuses))
"""


@pytest.fixture(scope="module")
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        if require("REQUIRE_REDIS") or require("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is required (REQUIRE_REDIS/CI) but: {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return client


@pytest.fixture
def ip(redis_client):
    """An address no earlier run has used; its counters are deleted afterwards."""
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    yield address
    keys = list(redis_client.scan_iter(match=f"*{address}*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def app_config(redis_client):
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL}


def _second_process(app, ip: str, attempts: int) -> list[int]:
    config = {key: app.config[key] for key in (
        "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI",
        "SERVER_NAME", "STORAGE_LOCAL_ROOT")}
    config.update(TESTING=True, WTF_CSRF_ENABLED=False, _IP=ip)
    done = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, json.dumps(config), str(attempts)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_login_limit_is_shared_between_two_processes(app, client, ip, redis_client):
    bad = {"email": "mai@baohatinh.vn", "password": "guess-number-x"}
    first = [post_form(client, "/auth/login", bad, environ_base={"REMOTE_ADDR": ip}).status_code
             for _ in range(6)]

    second = _second_process(app, ip, attempts=5)
    back_here = post_form(client, "/auth/login", bad, environ_base={"REMOTE_ADDR": ip})

    assert first == [422] * 6
    assert second == [422] * 4 + [429]
    assert back_here.status_code == 429
    assert "Bạn đã thử quá nhiều lần trong thời gian ngắn." in html(back_here)
    counters = {key.decode(): int(redis_client.get(key))
                for key in redis_client.scan_iter(match=f"*{ip}*")}
    # Twelve attempts from two processes on one counter (the two refused ones count too);
    # the hour window stopped counting at the first refusal.
    assert counters == {f"LIMITS:LIMITER/{ip}/auth.login/10/1/minute": 12,
                        f"LIMITS:LIMITER/{ip}/auth.login/50/1/hour": 10}
