"""Read-only queries behind the agency pages. Every function takes the ids it may look at; scope is decided
by the caller."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.periods import LOCAL_ZONE, Period, parse_period
from surveyapp.responses.models import Response


def current_quarter(today: dt.date | None = None) -> Period:
    today = today or dt.datetime.now(LOCAL_ZONE).date()
    return parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")


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
