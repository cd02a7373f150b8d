"""Demo data: reproducible and shaped like real kiosk data."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select

from surveyapp.db import db
from surveyapp.demo import GAMING_COUNTER, SHORT_FORM_FROM, generate, generate_gaming
from surveyapp.integrity.models import ResponseFlag
from surveyapp.integrity.rules import FlagRules
from surveyapp.organisation.models import Counter
from surveyapp.periods import LOCAL_ZONE, Period
from surveyapp.questionnaires.codec import answer_matrix, criterion_codes
from surveyapp.questionnaires.loader import current_version
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.responses.models import Response
from surveyapp.scores.service import compute_scores
from surveyapp.scores.settings import Settings


def version_of(instrument: str, number: int) -> QuestionnaireVersion:
    return db.session.scalar(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(Instrument.code == instrument, QuestionnaireVersion.version == number)
    )


def sipas_matrix(number: int = 1):
    """Agencies and criterion codes of the responses to SIPAS version ``number`` (1: the full form)."""
    version = version_of("sipas", number)
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


def test_the_recent_quarter_uses_the_short_form(loaded_app):
    """From SHORT_FORM_FROM the kiosks ask one criterion per element, drawn evenly; a counter set to the full form
    asks everything; about one respondent in seven came for an organisation."""
    with loaded_app.app_context():
        generate(12000, seed=5, today=dt.date(2026, 12, 2))
        db.session.commit()
        short = version_of("sipas", 2).definition
        rows = db.session.execute(
            select(
                Response.questionnaire_version_id,
                Response.started_at,
                Response.submitted_at,
                Response.answers,
                Counter.form,
            )
            .join(Counter, Counter.id == Response.counter_id)
            .where(Counter.instrument_code == "sipas")
        ).all()
        first, second = version_of("sipas", 1).id, version_of("sipas", 2).id
    day = [r.submitted_at.astimezone(LOCAL_ZONE).date() for r in rows]
    assert all((d < SHORT_FORM_FROM) == (r.questionnaire_version_id == first) for r, d in zip(rows, day, strict=True))
    recent = [r for r in rows if r.questionnaire_version_id == second]
    matrix = answer_matrix(short, [r.answers for r in recent])
    codes = criterion_codes(short, matrix)
    full = np.array([r.form == "full" for r in recent])
    assert 0 < full.sum() < len(recent) and len(recent) > 800
    elements = [q.element for q in short.criteria]
    for element in dict.fromkeys(elements):
        columns = [j for j, e in enumerate(elements) if e == element]
        answered = (codes[~full][:, columns] > 0).sum(axis=1)
        assert answered.max() == 1  # at most the one criterion drawn; skipped now and then
        asked = (codes[~full][:, columns] > 0).sum(axis=0)
        assert asked.min() > 0.6 * asked.mean()  # every criterion of the element asked about as often
    assert (codes[full] > 0).sum(axis=1).mean() > 15  # the full form: nearly every criterion answered
    slot = next(s for s in short.slots if s.question.role == "respondent")
    organisation = (matrix[:, slot.offset] == 2).mean()
    assert 0.10 < organisation < 0.20
    improve = next(s for s in short.slots if s.question.role == "improve")
    assert not matrix[~full, improve.offset].any() and matrix[full, improve.offset].any()
    seconds = np.array([(r.submitted_at - r.started_at).total_seconds() for r in recent])
    earlier = np.array(
        [(r.submitted_at - r.started_at).total_seconds() for r in rows if r.questionnaire_version_id == first]
    )
    assert np.median(seconds[~full]) < 60 < np.median(earlier)  # the short form takes under a minute
