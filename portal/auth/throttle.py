"""Per-account login back-off, kept in the rate-limit storage so every worker shares it.

The per-address limits (Flask-Limiter) do not stop one account being guessed from many
addresses. Here the account's wrong passwords are counted under a key derived from its
(normalised) email, known account or not: after `failures` of them within `window`
seconds, each further failure pauses the account's login for `base` seconds, doubling,
at most `maximum` (so an attacker can lock a person out for minutes, never for long).
While paused, every attempt gets the same refusal, right password or wrong, and is
not checked. The storage is `limits`' (Redis in production via RATELIMIT_STORAGE_URI,
memory otherwise); counters expire by themselves.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from limits.storage import Storage

from portal.models import normalize_email


@dataclass(frozen=True)
class Policy:
    failures: int = 5
    window: int = 3600
    base: int = 60
    maximum: int = 900

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(failures=int(config["LOGIN_ACCOUNT_FAILURES"]),
                   window=int(config["LOGIN_ACCOUNT_WINDOW"]),
                   base=int(config["LOGIN_BACKOFF_BASE"]),
                   maximum=int(config["LOGIN_BACKOFF_MAX"]))

    def delay(self, failures: int) -> int:
        """Seconds of pause after the n-th failure in the window (0 below the threshold)."""
        if failures < self.failures:
            return 0
        return min(self.maximum, self.base * 2 ** min(failures - self.failures, 20))


class AccountThrottle:
    def __init__(self, storage: Storage, policy: Policy):
        self.storage = storage
        self.policy = policy

    @staticmethod
    def _key(kind: str, email: str) -> str:
        digest = hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()[:32]
        return f"login-account/{kind}/{digest}"

    def paused_until(self, email: str) -> float | None:
        """The epoch time the account's login is paused until, or None."""
        key = self._key("pause", email)
        if self.storage.get(key) <= 0:
            return None
        until = self.storage.get_expiry(key)
        return until if until > time.time() else None

    def failed(self, email: str) -> float | None:
        """Count a wrong password; the pause it starts (epoch time), or None."""
        failures = self.storage.incr(self._key("failures", email), self.policy.window)
        delay = self.policy.delay(failures)
        if not delay:
            return None
        key = self._key("pause", email)
        self.storage.clear(key)
        self.storage.incr(key, delay)
        return time.time() + delay

    def succeeded(self, email: str) -> None:
        self.storage.clear(self._key("failures", email))
        self.storage.clear(self._key("pause", email))
