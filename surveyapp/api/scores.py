"""Scores of one unit and period for the JSON API, from the scoring service (weighted as the settings say),
with the number of responses in every status beside them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from surveyapp.db import db
from surveyapp.periods import Period
from surveyapp.reports.data import unit_view
from surveyapp.responses.models import Response
from surveyapp.scores.cache import cached_scores
from surveyapp.scores.output import estimate_dict, header


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


def unit_scores(level: str, unit_id: int, period: Period, instrument: str = "sipas") -> dict[str, Any]:
    """Every index of one unit, with what the result says about itself (settings, versions, weighting)."""
    report = cached_scores(period, instrument)
    view = unit_view(report, level, unit_id, "en") if level in report.levels else None
    indices = {}
    if view is not None:
        lines = [*([view.overall] if view.overall else []), *view.elements, *view.criteria]
        indices = {line.code: estimate_dict(line.estimate) for line in lines}
        indices |= {name: estimate_dict(e) for name, e in view.extras.items()}
    return {
        **header(report),
        "level": level,
        "respondents": view.respondents if view else 0,
        "left_out_flagged": view.left_out if view else 0,
        "indices": indices,
    }
