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
from urllib.parse import urlsplit

import pytest
import redis

from portal.auth.throttle import AccountThrottle
from portal.extensions import db
from tests.support.databases import require
from tests.support.factories import PASSWORD, make_user
from tests.support.web import html, post_form
from tests.support.workers import redis_db

# One Redis database per xdist worker (15, 14, ...), on TEST_REDIS_URL's server if set.
REDIS_URL = urlsplit(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
                    )._replace(path=f"/{redis_db()}").geturl()
ROOT = Path(__file__).resolve().parents[3]

SECOND_PROCESS = """
import json, sys
from portal import create_app
config = json.loads(sys.argv[1])
app = create_app(config)
client = app.test_client()
statuses = [
    client.post("/auth/login", data={"email": email, "password": password},
                environ_base={"REMOTE_ADDR": ip}).status_code
    for email, password, ip in json.loads(sys.argv[2])
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


def _second_process(app, attempts: list[tuple[str, str, str]]) -> list[int]:
    """Login attempts (email, password, client address) made by another process."""
    config = {key: app.config[key] for key in (
        "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI",
        "SERVER_NAME", "STORAGE_LOCAL_ROOT")}
    config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    done = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, json.dumps(config), json.dumps(attempts)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


RUN = uuid.uuid4().hex[:8]


def _email(n: int) -> str:
    """One account per attempt, new in every run (the per-account counters live in Redis
    for an hour): no per-account pause gets in the way."""
    return f"nguoi{n}.{RUN}@baohatinh.vn"


@pytest.fixture
def fresh_accounts(redis_client):
    yield
    redis_client.delete(*[f"LIMITS:{AccountThrottle._key(kind, _email(n))}"
                          for n in range(12) for kind in ("failures", "pause")])


def test_login_limit_is_shared_between_two_processes(app, client, ip, redis_client,
                                                     fresh_accounts):
    first = [post_form(client, "/auth/login", {"email": _email(n), "password": "guess-number-x"},
                       environ_base={"REMOTE_ADDR": ip}).status_code
             for n in range(6)]

    second = _second_process(app, [(_email(n), "guess-number-x", ip) for n in range(6, 11)])
    back_here = post_form(client, "/auth/login",
                          {"email": _email(11), "password": "guess-number-x"},
                          environ_base={"REMOTE_ADDR": ip})

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


@pytest.fixture
def account(app, redis_client):
    """An account no earlier run has used; its per-account counters are deleted afterwards."""
    email = f"mai.{uuid.uuid4().hex[:10]}@baohatinh.vn"
    user = make_user(email)
    db.session.commit()
    yield user
    keys = [f"LIMITS:{AccountThrottle._key(kind, email)}" for kind in ("failures", "pause")]
    redis_client.delete(*keys)


def test_account_pause_is_shared_between_two_processes(app, client, account, redis_client):
    """Five wrong passwords at one account, three here and two in another process, each
    from its own address: the account is paused for both processes, right password or not."""
    addresses = [f"10.77.{uuid.uuid4().int % 250}.{n + 1}" for n in range(7)]
    first = [post_form(client, "/auth/login", {"email": account.email,
                                               "password": f"guess-{n}-xxxxx"},
                       environ_base={"REMOTE_ADDR": addresses[n]}).status_code
             for n in range(3)]

    second = _second_process(app, [(account.email, f"guess-{n}-xxxxx", addresses[n])
                                   for n in (3, 4)] + [(account.email, PASSWORD, addresses[5])])
    back_here = post_form(client, "/auth/login", {"email": account.email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": addresses[6]})

    assert first == [422] * 3
    assert second == [422, 429, 429]  # the 5th failure pauses; the right password too
    assert back_here.status_code == 429
    assert "Tài khoản này đã bị nhập sai mật khẩu quá nhiều lần." in html(back_here)
    pause_key = "LIMITS:" + AccountThrottle._key("pause", account.email)
    assert 0 < redis_client.ttl(pause_key) <= 60
