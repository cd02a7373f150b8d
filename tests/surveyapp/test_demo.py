"""Demo data: reproducible and shaped like real kiosk data."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select

from surveyapp.db import db
from surveyapp.demo import GAMING_COUNTER, generate, generate_gaming
from surveyapp.integrity.models import ResponseFlag
from surveyapp.integrity.rules import FlagRules
from surveyapp.organisation.models import Counter
from surveyapp.periods import LOCAL_ZONE, Period
from surveyapp.questionnaires.codec import answer_matrix, criterion_codes
from surveyapp.questionnaires.loader import current_version
from surveyapp.responses.models import Response
from surveyapp.scores.service import compute_scores
from surveyapp.scores.settings import Settings


def sipas_matrix():
    version = current_version("sipas")
    rows = db.session.execute(
        select(Response.agency_id, Response.answers).where(Response.questionnaire_version_id == version.id)
    ).all()
    matrix = criterion_codes(version.definition, answer_matrix(version.definition, [r.answers for r in rows]))
    return np.array([r.agency_id for r in rows]), matrix


def test_same_seed_same_data(loaded_app):
    with loaded_app.app_context():
        generate(300, seed=11)
        first = db.session.execute(select(Response.uuid, Response.answers).order_by(Response.id)).all()
        db.session.rollback()
        generate(300, seed=11)
        second = db.session.execute(select(Response.uuid, Response.answers).order_by(Response.id)).all()
    assert first == second and len(first) == 300


def test_demo_looks_like_kiosk_data(loaded_app):
    with loaded_app.app_context():
        summary = generate(6000, seed=2026)
        db.session.commit()
        agencies, codes = sipas_matrix()
    assert summary.responses == 6000
    observed = codes > 0
    satisfied = codes >= 4
    skipped = 1 - observed.mean()
    assert 0.02 < skipped < 0.12
    shares = {a: satisfied[agencies == a].sum() / observed[agencies == a].sum() for a in np.unique(agencies)}
    counts = {a: int((agencies == a).sum()) for a in np.unique(agencies)}
    values = np.array(list(shares.values()))
    assert np.mean((values > 0.8) & (values < 0.99)) > 0.6  # most agencies near the target
    assert np.sum(values < 0.85) >= 2  # some clearly below it
    assert min(counts.values()) < 30 < max(counts.values())  # small agencies beside busy ones


def test_the_gaming_tablet_is_flagged_and_left_out_of_its_counters_score(loaded_app):
    with loaded_app.app_context():
        summary = generate_gaming(2026, FlagRules())
        db.session.commit()
        counter = db.session.scalar(select(Counter).where(Counter.code == GAMING_COUNTER))
        rows = db.session.execute(
            select(Response.status, Response.answers).where(Response.counter_id == counter.id)
        ).all()
        version = current_version("sipas")
        codes = criterion_codes(version.definition, answer_matrix(version.definition, [r.answers for r in rows]))
        counted = np.array([r.status == "ok" for r in rows])
        reasons = set(db.session.scalars(select(ResponseFlag.reason)))
        first = min(db.session.scalars(select(Response.submitted_at))).astimezone(LOCAL_ZONE).date()
        everything = Period("demo", first, dt.date.today() + dt.timedelta(days=1))
        report = compute_scores(everything, settings=Settings(weighting="none"))
        row = next(r for r in report.level_rows("counter") if r["unit"].code == GAMING_COUNTER)
    assert summary.responses == len(rows) and summary.flagged == int((~counted).sum()) >= 8 * 20
    assert {"burst", "repeated", "too_fast", "outside_hours"} <= reasons

    def satisfied(mask):
        observed = codes[mask] > 0
        return (codes[mask] >= 4).sum() / observed.sum()

    assert satisfied(np.ones(len(rows), bool)) > 0.9  # what the counter would show with the gaming
    assert satisfied(counted) < 0.85  # what its citizens said
    assert row["respondents"] == int(counted.sum()) and row["estimates"]["overall"].estimate < 0.85
