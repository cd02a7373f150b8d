"""Enrolled devices kept in memory for a few seconds, so that a tablet sending its queue is not looked up anew
with every answer.

A kiosk sends one request per response; at a busy hour the device lookup (its row, its counter and the counter's
agency) is a quarter of a submission's work, for rows that hardly ever change. Each process keeps what it read
for ``DEVICE_CACHE_SECONDS`` (``0`` turns the cache off). What must never be late is retirement: a retired token
stops at once, in every process, because the write of a response checks the device in the same statement (see
:func:`surveyapp.responses.service.record`), and retiring a device in this process forgets it here at once.
Other changes — a counter moved to another agency, its opening hours, its questionnaire — reach the submissions
of a process within that many seconds.

The kept objects are detached from any session and shared between the threads of a process: they are read,
never changed through the ORM; a device's "last seen" times are written with an explicit ``UPDATE``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from surveyapp.devices.models import Device

#: A bound on the devices kept per process (a province has a few thousand); beyond it the oldest half goes.
MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class _Entry:
    device: Device
    expires: float


class DeviceCache:
    """Devices by token hash, each kept for ``seconds`` from when it was read."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str, load: Callable[[], Device | None]) -> Device | None:
        """The device of ``token_hash``: the kept one while it is fresh, else what ``load`` reads (kept when it
        is a device; an unknown or retired token is never kept, so enrolling it later works at once)."""
        if self.seconds <= 0:
            return load()
        entry = self._entries.get(token_hash)
        now = self._clock()
        if entry is not None and entry.expires > now:
            return entry.device
        device = load()
        if device is None:
            self.forget(token_hash)
            return None
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                oldest = sorted(self._entries, key=lambda key: self._entries[key].expires)
                for key in oldest[: MAX_ENTRIES // 2]:
                    del self._entries[key]
            self._entries[token_hash] = _Entry(device, now + self.seconds)
        return device

    def forget(self, token_hash: str) -> None:
        with self._lock:
            self._entries.pop(token_hash, None)

    def __len__(self) -> int:
        return len(self._entries)


def device_cache() -> DeviceCache:
    """The current app's cache (made on first use, from ``DEVICE_CACHE_SECONDS``)."""
    cache = current_app.extensions.get("surveyapp.devices")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "surveyapp.devices", DeviceCache(float(current_app.config["DEVICE_CACHE_SECONDS"]))
        )
    return cache
