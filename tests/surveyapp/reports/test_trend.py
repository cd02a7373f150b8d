"""A unit's trend is computed from the responses of its own agencies only: the same figures, faster."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import delete, select

from surveyapp.db import db
from surveyapp.organisation.models import Agency, ServiceVolume
from surveyapp.periods import parse_period
from surveyapp.reports.data import Scores, build_unit_report
from surveyapp.scores.service import ScoringError, compute_scores
from surveyapp.scores.settings import Settings
from tests.surveyapp.reports.conftest import PERIOD

FIELDS = ("estimate", "se", "lower", "upper", "n", "n_eff", "df", "p_value")


def same(a, b) -> bool:
    return all(math.isclose(getattr(a, f), getattr(b, f), rel_tol=1e-9, abs_tol=1e-12) for f in FIELDS)


def test_the_agencies_own_responses_give_the_same_figures(demo_app):
    with demo_app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.code == "ttpv-moc-chau"))
        counters = [c.id for c in agency.counters]
        scores = Scores()
        report = build_unit_report(scores, PERIOD, "agency", agency.id, "vi")
        expected = ["2024-Q4", *(f"{y}-Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4))][:8]
        assert [p.code for p, _ in report.trend] == expected  # two years of quarters
        assert all(e is None for _, e in report.trend[:5]) and all(e is not None for _, e in report.trend[5:])
        for period, estimate in report.trend[5:]:
            whole = compute_scores(period)
            part = compute_scores(period, agencies={agency.id})
            assert part.responses < whole.responses / 5
            assert same(estimate, whole.main.get("agency", agency.id, "overall"))
            for name in ("overall", "staff", "staff_polite"):
                assert same(part.main.get("agency", agency.id, name), whole.main.get("agency", agency.id, name))
            for counter in (c for c in counters if c in part.respondents["counter"]):
                assert same(*(r.main.get("counter", counter, "overall") for r in (part, whole)))
        with pytest.raises(ScoringError, match="Raked weights"):
            compute_scores(PERIOD, settings=Settings(weighting="rake"), agencies={agency.id})


def test_a_past_period_that_cannot_be_scored_is_a_gap_in_the_trend(demo_app):
    with demo_app.app_context():
        db.session.execute(delete(ServiceVolume).where(ServiceVolume.period == "2026-Q1"))
        agency = db.session.scalar(select(Agency).where(Agency.code == "ttpv-moc-chau"))
        with pytest.raises(ScoringError, match="No service volumes"):
            compute_scores(parse_period("2026-Q1"))
        report = build_unit_report(Scores(), PERIOD, "commune", agency.area_id, "vi")
        trend = {p.code: e for p, e in report.trend}
        assert trend["2026-Q1"] is None and trend["2026-Q2"] is not None and trend["2026-Q3"] is not None
