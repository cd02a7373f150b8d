"""Scores of one unit and period for the JSON API: the SIPAS indices of the counted responses, with the
number of responses in every status beside them.

Counted are responses with status ``ok`` that are complete (not ``partial``); flagged and excluded responses
are counted and reported, never scored. The indices are unweighted (strata: agencies), as a first reading;
reports with respondent weights come from the scoring service.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sqlalchemy import func, select

from scoring import Design, IndexSpec, score
from surveyapp.db import db
from surveyapp.periods import Period
from surveyapp.questionnaires.codec import answer_matrix, criterion_codes
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.responses.models import Response


def status_counts(condition, period: Period) -> dict[str, int]:
    """Responses per status (``ok``, ``flagged``, ``excluded``) and the partial ones among them."""
    window = (Response.submitted_at >= period.start, Response.submitted_at < period.end)
    counts = {"ok": 0, "flagged": 0, "excluded": 0}
    counts.update(
        db.session.execute(
            select(Response.status, func.count()).where(condition, *window).group_by(Response.status)
        ).all()
    )
    counts["partial"] = db.session.scalar(
        select(func.count()).select_from(Response).where(condition, *window, Response.partial.is_(True))
    )
    return counts


def sipas_scores(condition, period: Period, target: float) -> list[dict[str, Any]]:
    """Criterion, element and overall indices per SIPAS questionnaire version answered in the unit."""
    versions = db.session.scalars(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(Instrument.code == "sipas")
        .order_by(QuestionnaireVersion.version)
    ).all()
    results = []
    for version in versions:
        rows = db.session.execute(
            select(Response.agency_id, Response.answers).where(
                condition,
                Response.questionnaire_version_id == version.id,
                Response.status == "ok",
                Response.partial.is_(False),
                Response.submitted_at >= period.start,
                Response.submitted_at < period.end,
            )
        ).all()
        if not rows:
            continue
        questionnaire = version.definition
        codes = criterion_codes(questionnaire, answer_matrix(questionnaire, [r.answers for r in rows]))
        spec = IndexSpec.from_elements(
            {e.code: [q.code for q in questionnaire.criteria if q.element == e.code] for e in questionnaire.elements},
            item_weights={q.code: q.weight for q in questionnaire.criteria},
            element_weights={e.code: e.weight for e in questionnaire.elements},
        )
        _, strata = np.unique(np.array([r.agency_id for r in rows]), return_inverse=True)
        scored = score(codes, spec, Design(strata=strata), target=target)
        level = next(iter(scored.levels))
        results.append(
            {
                "instrument": "sipas",
                "version": version.version,
                "responses": len(rows),
                "indices": [_estimate(scored.get(level, 0, name)) for name in spec.names],
            }
        )
    return results


def _estimate(estimate) -> dict[str, Any]:
    def number(value: float) -> float | None:
        return None if math.isnan(value) else round(value, 6)

    return {
        "name": estimate.name,
        "estimate": number(estimate.estimate),
        "lower": number(estimate.lower),
        "upper": number(estimate.upper),
        "n": estimate.n,
        "decision": estimate.decision,
    }
