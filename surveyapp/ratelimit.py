"""Rate-limit counters in Redis, checked and reported in one round trip per request.

Flask-Limiter counts a request with one call to its storage (``incr``) and then, to write the ``X-RateLimit-*``
and ``Retry-After`` headers, asks for the count and the window's end again (``get``, ``get_expiry``): three
round trips to Redis for every kiosk submission. :class:`OneTripRedisStorage` increments and reads the window's
time to live in one script, and answers the two questions that follow on the same thread from what that script
returned. ``create_app`` uses it for every ``redis://`` or ``rediss://`` storage URI; behaviour and keys are
those of the ``limits`` library's own Redis storage (fixed windows, the same key prefix).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from limits.storage import RedisStorage

#: Add ``amount`` to the counter, start its window when it is new, return the count and the window's time to
#: live in milliseconds (as the ``limits`` library's own script, plus the time to live).
INCREMENT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {count, redis.call('PTTL', KEYS[1])}
"""

#: How long after an increment its result answers ``get`` and ``get_expiry`` on the same thread: the length of
#: one request, not more.
FRESH_SECONDS = 0.5

PREFIX = "surveyapp+"


@dataclass(frozen=True)
class _Counted:
    key: str
    count: int
    expires_at: float
    at: float


class OneTripRedisStorage(RedisStorage):
    """``limits``' Redis storage whose increment also returns the window's end (see the module)."""

    STORAGE_SCHEME = (PREFIX + "redis", PREFIX + "rediss")

    def __init__(self, uri: str, **options) -> None:
        super().__init__(uri.removeprefix(PREFIX), **options)
        self._last = threading.local()

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self._increment = self.get_connection().register_script(INCREMENT)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        count, ttl_ms = self._increment([self.prefixed_key(key)], [expiry, amount])
        now = time.monotonic()
        self._last.counted = _Counted(key, int(count), time.time() + max(int(ttl_ms), 0) / 1000, now)
        return int(count)

    def _just_counted(self, key: str) -> _Counted | None:
        counted = getattr(self._last, "counted", None)
        if counted is not None and counted.key == key and time.monotonic() - counted.at < FRESH_SECONDS:
            return counted
        return None

    def get(self, key: str) -> int:
        counted = self._just_counted(key)
        return counted.count if counted is not None else super().get(key)

    def get_expiry(self, key: str) -> float:
        counted = self._just_counted(key)
        return counted.expires_at if counted is not None else super().get_expiry(key)

    def clear(self, key: str) -> None:
        self._last.counted = None
        super().clear(key)


def storage_uri(uri: str) -> str:
    """The URI Flask-Limiter should use for ``uri``: Redis through :class:`OneTripRedisStorage`."""
    if uri.startswith(("redis://", "rediss://")):
        return PREFIX + uri
    return uri
