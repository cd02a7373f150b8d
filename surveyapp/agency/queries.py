"""Read-only queries behind the agency pages. Every function takes the ids it may look at; scope is decided
by the caller."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select

from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.periods import LOCAL_ZONE, Period, parse_period
from surveyapp.responses.models import Response


def current_quarter(today: dt.date | None = None) -> Period:
    today = today or dt.datetime.now(LOCAL_ZONE).date()
    return parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")


def responses_by_agency(agency_ids: Iterable[int], period: Period) -> dict[int, int]:
    ids = list(agency_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Response.agency_id, func.count())
        .where(Response.agency_id.in_(ids), Response.submitted_at >= period.start, Response.submitted_at < period.end)
        .group_by(Response.agency_id)
    )
    return dict(rows.all())


def units(model, ids: Iterable[int]) -> list:
    ids = list(ids)
    if not ids:
        return []
    return db.session.scalars(select(model).where(model.id.in_(ids)).order_by(model.code)).all()


def unit_filter(unit: Area | Agency | Counter, area_ids: set[int]):
    """The condition selecting the responses given in ``unit`` (an area includes its whole subtree)."""
    if isinstance(unit, Counter):
        return Response.counter_id == unit.id
    if isinstance(unit, Agency):
        return Response.agency_id == unit.id
    return Response.area_id.in_(area_ids)


def response_count(condition, period: Period) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(condition, Response.submitted_at >= period.start, Response.submitted_at < period.end)
    )


def latest_comments(condition, period: Period, limit: int = 20) -> list[tuple[dt.datetime, str, str]]:
    rows = db.session.execute(
        select(Response.submitted_at, Counter.code, Response.comment)
        .join(Counter, Response.counter_id == Counter.id)
        .where(
            condition,
            Response.comment.is_not(None),
            Response.submitted_at >= period.start,
            Response.submitted_at < period.end,
        )
        .order_by(Response.submitted_at.desc())
        .limit(limit)
    )
    return [tuple(row) for row in rows]
