"""Demo data: reproducible and shaped like real kiosk data."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from surveyapp.db import db
from surveyapp.demo import generate
from surveyapp.questionnaires.codec import answer_matrix, criterion_codes
from surveyapp.questionnaires.loader import current_version
from surveyapp.responses.models import Response


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
