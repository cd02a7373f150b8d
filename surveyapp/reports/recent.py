"""Whole-period score reports kept for a short while, shared by the report downloads of one app in one process.

Scoring a period is the dearer half of a report (every unit of every level is scored, so that the report can
compare the unit with its district and the province). Reports downloaded one after another (a manager and
their colleagues, the reform office going through its agencies) reuse a period's scores for
``REPORTS_SCORES_MAX_AGE`` seconds. The key holds the settings in force, so new settings are scored at once;
responses that arrive meanwhile wait at most that long, and every report states its data cut-off (the time
its scores were computed). Each process keeps its own few reports; nothing assumes one process.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import Flask

from surveyapp.periods import Period
from surveyapp.scores.service import ScoreReport, compute_scores
from surveyapp.scores.settings import settings_for

#: Period reports kept at most (the oldest used is dropped first).
SIZE = 8


class RecentScores:
    """``compute_scores`` remembered for ``max_age`` seconds (0: never remembered)."""

    def __init__(self, max_age: float, size: int = SIZE):
        self.max_age = max_age
        self.size = size
        self._items: OrderedDict[tuple, tuple[float, ScoreReport]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, period: Period, instrument: str = "sipas", field_code: str | None = None) -> ScoreReport:
        settings = settings_for(period.code)
        key = (period.code, instrument, field_code, settings)
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < self.max_age:
                self._items.move_to_end(key)
                return hit[1]
        report = compute_scores(period, instrument, settings=settings, field_code=field_code)
        if self.max_age > 0:
            with self._lock:
                self._items[key] = (now, report)
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return report


def recent_scores(app: Flask) -> RecentScores:
    """The app's store of recent period reports (one per app and process)."""
    store = app.extensions.get("reports.recent_scores")
    if store is None:
        store = app.extensions["reports.recent_scores"] = RecentScores(app.config["REPORTS_SCORES_MAX_AGE"])
    return store
