"""A period's scores serve further downloads for a short while, never across new settings or apps."""

from __future__ import annotations

import datetime as dt

from surveyapp.db import db
from surveyapp.periods import LOCAL_ZONE, parse_period
from surveyapp.reports import recent
from surveyapp.scores.settings import save_settings
from tests.surveyapp.reports.conftest import add_response

PERIOD = parse_period("2026-Q3")


def test_recent_scores_expire_and_follow_the_settings(loaded_app, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(recent.time, "monotonic", lambda: clock[0])
    with loaded_app.app_context():
        for day in range(1, 7):
            add_response("so-tu-phap-1", dt.datetime(2026, 8, day, 9, tzinfo=LOCAL_ZONE))
        db.session.commit()
        store = recent.recent_scores(loaded_app)
        assert store is recent.recent_scores(loaded_app) and store.max_age == 60
        first = store(PERIOD)
        add_response("so-tu-phap-1", dt.datetime(2026, 8, 9, 9, tzinfo=LOCAL_ZONE))
        db.session.commit()
        clock[0] += 59
        assert store(PERIOD) is first and first.responses == 6  # within a minute: the same scores
        clock[0] += 2
        again = store(PERIOD)
        assert again is not first and again.responses == 7
        save_settings(PERIOD.code, None, target=0.85, confidence=0.95, method="beta", weighting="none")
        db.session.commit()
        assert store(PERIOD).settings.target == 0.85  # new settings are scored at once
        assert recent.RecentScores(0)(PERIOD) is not recent.RecentScores(0)(PERIOD)
