"""What the dashboards and reports are given about units too small to judge: no rank, no funnel position, no
shrinkage class, no weakest criterion, and pairwise intervals adjusted as their verdicts are."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

import scoring
from surveyapp.db import db
from surveyapp.organisation.models import Area
from surveyapp.organisation.tree import OrgTree, Scope
from surveyapp.reports.data import compare_level, index_estimate, unit_view
from surveyapp.reports.scope import inside
from surveyapp.scores.service import compute_scores
from tests.surveyapp.reports.conftest import PERIOD


def test_only_reliable_units_are_compared(demo_app):
    with demo_app.app_context():
        report = compute_scores(PERIOD)
        province = db.session.scalar(select(Area).where(Area.code == "son-la"))
        comparison = compare_level(report, "agency", "vi", keep=inside(OrgTree.load(), Scope("area", province.id)))
    compared = {v.unit.code for v in comparison.views} - {v.unit.code for v, _ in comparison.excluded}
    assert comparison.excluded, "the demo has agencies too small to judge"
    for view, rule in comparison.excluded:
        estimate = index_estimate(view, "overall")
        assert rule in scoring.RELIABILITY_REASONS and not estimate.reliable
        assert estimate.decision in ("insufficient", "no_estimate")
    for view in comparison.views:
        e = index_estimate(view, "overall")
        assert e.reliable == (view.unit.code in compared)
        assert e.n_eff <= e.n
    assert set(comparison.funnel.labels) == compared
    assert set(comparison.shrinkage.labels) == compared
    assert set(comparison.holm.label_a) | set(comparison.holm.label_b) == compared
    for result in (comparison.holm, comparison.bh):
        called = np.isin(result.decision, [scoring.HIGHER, scoring.LOWER])
        excludes_zero = (result.adjusted_lower > 0) | (result.adjusted_upper < 0)
        np.testing.assert_array_equal(called[result.testable], excludes_zero[result.testable])


def test_weakest_criteria_are_chosen_among_reliable_ones(demo_app):
    with demo_app.app_context():
        report = compute_scores(PERIOD)
        views = [unit_view(report, "agency", unit_id, "vi") for unit_id in report.respondents["agency"]]
    marked = mixed = 0
    for view in views:
        weakest = [line for line in view.criteria if line.weakest]
        reliable = [line for line in view.criteria if line.estimate.reliable]
        assert all(line.estimate.reliable for line in weakest), view.unit.code
        assert len(weakest) == min(3, len(reliable)), view.unit.code
        others = [line.estimate.estimate for line in reliable if not line.weakest]
        if weakest and others:
            assert max(line.estimate.estimate for line in weakest) <= min(others), view.unit.code
        marked += bool(weakest)
        mixed += bool(reliable) and len(reliable) < len(view.criteria)
    assert marked and mixed  # some units have weakest criteria, some have criteria too thin to rank
