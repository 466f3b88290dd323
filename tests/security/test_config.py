"""Secrets come from the environment only, and production refuses to start without one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_READ = re.compile(r"\bos\.(environ|getenv)\b|\bgetenv\(")


@pytest.fixture(params=["sqlite"])
def db_backend(request):
    return request.param


def test_only_config_reads_the_environment():
    readers = sorted(
        str(p.relative_to(ROOT)) for top in ("portal", "judging")
        for p in (ROOT / top).rglob("*.py") if ENV_READ.search(p.read_text(encoding="utf-8"))
    )
    assert readers == []
    assert ENV_READ.search((ROOT / "config.py").read_text(encoding="utf-8"))


def test_production_without_secret_key_does_not_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(PORTAL_ENV="production", DATABASE_URL="sqlite://")
    done = subprocess.run([sys.executable, "-c", "from portal import create_app; create_app()"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "RuntimeError: SECRET_KEY is not set." in done.stderr


def _start_in_production(**settings):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PORTAL_BASE_URL", "SERVER_NAME", "PORTAL_EXTRA_HOSTS")}
    env.update(PORTAL_ENV="production", DATABASE_URL="sqlite://", SECRET_KEY="s" * 40,
               **settings)
    code = ("import json; from portal import create_app; c = create_app().config; "
            "print(json.dumps([c['PUBLIC_BASE_URL'], c['TRUSTED_HOSTS']]))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_production_without_base_url_does_not_start():
    done = _start_in_production()
    assert done.returncode == 1
    assert "RuntimeError: PORTAL_BASE_URL is not set." in done.stderr


def test_production_trusts_only_the_base_urls_host():
    done = _start_in_production(PORTAL_BASE_URL="https://giai.example.vn/")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        "https://giai.example.vn", ["giai.example.vn"]]


# The demo's shared password is published on purpose; `flask demo load` refuses production.
ALLOWED_LITERALS = {'portal/demo/commands.py: PASSWORD = "demo-2026"'}


def test_no_secret_is_written_in_the_source():
    """No literal key, password or token assigned in the application's code."""
    literal = re.compile(
        r"""(SECRET_KEY|PASSWORD|ACCESS_KEY|SECRET_ACCESS_KEY|TOKEN)\s*=\s*["'][^"']+["']""")
    hits = [f"{p.relative_to(ROOT)}: {m.group(0)}"
            for p in [ROOT / "config.py", *sorted((ROOT / "portal").rglob("*.py"))]
            for m in literal.finditer(p.read_text(encoding="utf-8"))]
    assert set(hits) == ALLOWED_LITERALS


def test_demo_logins_are_refused_in_production(app, runner):
    """The demo's accounts share a published password (portal/demo/commands.py)."""
    from portal.extensions import db
    from portal.models import User

    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert "The demo is not loaded in production" in result.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0
