"""Score reports kept in memory per process, valid while the data they came from is unchanged.

A dashboard shows a period and its trend over the previous ones: several score reports per page. They are
kept keyed by what they were computed from — period, instrument, field filter, settings. Each remembers the
newest response id it saw and a version of everything else that changes scores (the newest audit entry:
flag reviews, settings changes and reorganisations are audited, while sign-ins, downloads and the like, listed
in :data:`NOT_SCORED`, are not counted; the service volumes; the newest settings). On the next use:

* nothing new → the report is still right;
* new responses only → the report is still right if none of them was submitted in its period (checked with
  one indexed query on the new ids); kiosks submitting all day thus only invalidate the current period;
* anything else changed → it is computed again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import func, select

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db
from surveyapp.organisation.models import ServiceVolume
from surveyapp.periods import Period
from surveyapp.responses.models import Response
from surveyapp.scores.models import ScoringSettings
from surveyapp.scores.service import ScoreReport, compute_scores
from surveyapp.scores.settings import settings_for

#: Audited actions that change no score: a download or a sign-in must not make every page compute again.
NOT_SCORED = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "password_changed",
    "password_reset",
    "user_created",
    "user_changed",
    "report_downloaded",
    "reports_generated",
    "data_exported",
    "device_enrolled",
    "device_retired",
    "device_partial_policy_changed",
)

#: Reports kept per process; each holds its period's answer matrix (about 30 bytes per response).
MAX_REPORTS = 24


@dataclass
class _Entry:
    report: ScoreReport
    newest_response: int
    others: tuple


_reports: OrderedDict[tuple, _Entry] = OrderedDict()
_lock = threading.Lock()


def data_version() -> tuple[int, tuple]:
    """The newest response id, and a version of everything else a score depends on."""
    row = db.session.execute(
        select(
            select(func.coalesce(func.max(Response.id), 0)).scalar_subquery(),
            select(func.max(AuditEntry.id)).where(AuditEntry.action.notin_(NOT_SCORED)).scalar_subquery(),
            select(func.count() + func.coalesce(func.sum(ServiceVolume.cases), 0)).scalar_subquery(),
            select(func.max(ScoringSettings.id)).scalar_subquery(),
        )
    ).one()
    return int(row[0]), tuple(row[1:])


def _still_valid(entry: _Entry, period: Period, newest: int, others: tuple) -> bool:
    if entry.others != others:
        return False
    if newest == entry.newest_response:
        return True
    new_in_period = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(
            Response.id > entry.newest_response,
            Response.submitted_at >= period.start,
            Response.submitted_at < period.end,
        )
    )
    return new_in_period == 0


def cached_scores(
    period: Period, instrument: str = "sipas", field_code: str | None = None, respondent: str | None = None
) -> ScoreReport:
    """The score report for these arguments, computed again only when its data changed."""
    settings = settings_for(period.code)
    key = (str(db.engine.url), period.code, instrument, field_code, respondent, settings)
    newest, others = data_version()
    with _lock:
        entry = _reports.get(key)
    if entry is not None and _still_valid(entry, period, newest, others):
        with _lock:
            entry.newest_response = max(entry.newest_response, newest)
            _reports.move_to_end(key)
        return entry.report
    report = compute_scores(period, instrument, settings=settings, field_code=field_code, respondent=respondent)
    with _lock:
        _reports[key] = _Entry(report, newest, others)
        while len(_reports) > MAX_REPORTS:
            _reports.popitem(last=False)
    return report


def clear() -> None:
    with _lock:
        _reports.clear()
