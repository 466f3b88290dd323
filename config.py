"""Configuration: the only module that reads the environment."""

import os
from datetime import timedelta


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings read once from the environment; defaults run on SQLite and local storage."""

    ENV_NAME = os.environ.get("PORTAL_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    STORAGE_BACKEND = (os.environ.get("STORAGE_BACKEND") or "local").lower()
    STORAGE_LOCAL_ROOT = os.environ.get("STORAGE_LOCAL_ROOT")
    S3_BUCKET = os.environ.get("S3_BUCKET")  # required with s3: init_storage refuses to start
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")
    S3_PUBLIC_ENDPOINT_URL = os.environ.get("S3_PUBLIC_ENDPOINT_URL")
    S3_REGION = os.environ.get("S3_REGION") or "us-east-1"
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or "25")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT") or "10")  # seconds per SMTP call
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Ban To chuc Giai <no-reply@localhost>")
    # An outbox row claimed by a worker that died is claimed again after this many seconds.
    MAIL_CLAIM_LEASE = int(os.environ.get("MAIL_CLAIM_LEASE", "120"))
    # Jobs (portal/jobs.py): on the RQ queue in this Redis, run by `flask jobs worker`.
    # Unset, or JOBS_INLINE=1: jobs run in-process right after the commit that asks for them.
    REDIS_URL = os.environ.get("REDIS_URL")
    JOBS_INLINE = _bool("JOBS_INLINE")
    # Seconds between a failed job's retries (back-off); the number of retries is their count.
    JOBS_RETRY_INTERVALS = [int(s) for s in os.environ.get(
        "JOBS_RETRY_INTERVALS", "10,30,60,120,300,600,900,1800").split(",") if s.strip()]
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh")
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ("vi", "en")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    # The one public address every absolute link (mail, exports) is built from, e.g.
    # https://giai.example.vn; without it SERVER_NAME is used. Required in production.
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL")
    SERVER_NAME = os.environ.get("SERVER_NAME")
    # Other host names the portal answers to (comma-separated), besides the base URL's.
    PORTAL_EXTRA_HOSTS = [h.strip() for h in os.environ.get("PORTAL_EXTRA_HOSTS", "").split(",")
                          if h.strip()]
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600"))
    EMAIL_CONFIRM_MAX_AGE = int(os.environ.get("EMAIL_CONFIRM_MAX_AGE", str(3 * 86400)))
    # A server-side session without "remember me" ends this long after login.
    SESSION_MAX_AGE = timedelta(hours=int(os.environ.get("SESSION_MAX_AGE_HOURS", "24")))
    # Per-account login back-off: after LOGIN_ACCOUNT_FAILURES wrong passwords within
    # LOGIN_ACCOUNT_WINDOW seconds, each further failure locks the account's login for
    # LOGIN_BACKOFF_BASE seconds, doubling, at most LOGIN_BACKOFF_MAX.
    LOGIN_ACCOUNT_FAILURES = int(os.environ.get("LOGIN_ACCOUNT_FAILURES", "5"))
    LOGIN_ACCOUNT_WINDOW = int(os.environ.get("LOGIN_ACCOUNT_WINDOW", "3600"))
    LOGIN_BACKOFF_BASE = int(os.environ.get("LOGIN_BACKOFF_BASE", "60"))
    LOGIN_BACKOFF_MAX = int(os.environ.get("LOGIN_BACKOFF_MAX", "900"))
    WTF_CSRF_TIME_LIMIT = None  # a judge's score sheet may stay open all evening
    # Every request body is refused (413) above MAX_CONTENT_LENGTH before anything parses
    # it; the largest form (an entry with its parts and authors) is far below 1 MiB. Only
    # the views marked @body_limit("UPLOAD_PART_MAX_CONTENT_LENGTH") (the local storage's
    # part PUTs, which stream to disk) accept one upload part.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024  # a urlencoded body, or one multipart text field
    MAX_FORM_PARTS = 1000  # fields in one multipart body
    UPLOAD_PART_MAX_CONTENT_LENGTH = 130 * 1024 * 1024  # one upload part at most
    UPLOAD_PART_SIZE = int(os.environ.get("UPLOAD_PART_SIZE", str(16 * 1024 * 1024)))
    # How long a URL signed for one request of an open upload stays valid (seconds); it
    # dies earlier when the upload is completed, verified, cancelled or submitted.
    UPLOAD_SIGN_EXPIRES = int(os.environ.get("UPLOAD_SIGN_EXPIRES", "900"))
    # Unfinished uploads one person may have open at once (storage exhaustion guard).
    UPLOAD_OPEN_MAX = int(os.environ.get("UPLOAD_OPEN_MAX", "20"))
    # `flask storage gc` (run hourly, docs/deploy.md) aborts uploads idle this long.
    UPLOAD_ABANDON_HOURS = float(os.environ.get("UPLOAD_ABANDON_HOURS", "24"))
    # Larger objects on S3 get their sha256 from `flask storage checksums`, not inline.
    SHA256_INLINE_MAX = int(os.environ.get("SHA256_INLINE_MAX", str(64 * 1024 * 1024)))
    # Larger files are verified by a job ("Đang kiểm tra…" until it is done), not inside the
    # completion request: the entrant's completion answers at once whatever the size.
    # Web-playable proxies, poster frames and PDF thumbnails (portal/files/media.py), made
    # by a job after verification; needs ffmpeg and pdftoppm where the jobs run.
    MEDIA_DERIVATIVES = _bool("MEDIA_DERIVATIVES")
    VERIFY_INLINE_MAX = int(os.environ.get("VERIFY_INLINE_MAX", str(64 * 1024 * 1024)))
    DEMO = _bool("PORTAL_DEMO")
    # Number of reverse proxies in front of the app (nginx: 1), so rate limits see real clients.
    PROXY_FIX = int(os.environ.get("PROXY_FIX", "0"))
    SQL_COUNT_HEADER = _bool("SQL_COUNT_HEADER")  # X-SQL-Count on every response (bench/pages.py)


def validate(config: dict) -> None:
    """Stop the start with a clear message when production lacks a required setting."""
    if config.get("ENV_NAME") == "production" and not config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment before starting the portal "
            "in production (PORTAL_ENV=production)."
        )
    if config.get("ENV_NAME") == "production" and not (
        config.get("PORTAL_BASE_URL") or config.get("SERVER_NAME")
    ):
        raise RuntimeError(
            "PORTAL_BASE_URL is not set. Set it to the portal's public address (for example "
            "https://giai.example.vn) before starting the portal in production "
            "(PORTAL_ENV=production): links in emails are built from it, and requests for "
            "any other host are refused."
        )


DEVELOPMENT_BASE_URL = "http://localhost:5000"
LOCAL_HOSTS = ["localhost", "127.0.0.1"]


def public_base_url(config: dict) -> str:
    """The configured public address, without a trailing slash.

    PORTAL_BASE_URL, else PREFERRED_URL_SCHEME://SERVER_NAME/APPLICATION_ROOT, else (outside
    production only) http://localhost:5000. Never the Host of a request.
    """
    if config.get("PORTAL_BASE_URL"):
        return config["PORTAL_BASE_URL"].rstrip("/")
    if config.get("SERVER_NAME"):
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}{root}"
    return DEVELOPMENT_BASE_URL


def trusted_hosts(config: dict) -> list[str]:
    """The host names requests may carry: the base URL's host and PORTAL_EXTRA_HOSTS; outside
    production also localhost and 127.0.0.1 (development servers and tests)."""
    from urllib.parse import urlsplit

    hosts = [urlsplit(public_base_url(config)).hostname or "localhost"]
    hosts += list(config.get("PORTAL_EXTRA_HOSTS") or [])
    if config.get("ENV_NAME") != "production":
        hosts += LOCAL_HOSTS
    return list(dict.fromkeys(hosts))
