"""Exporting stored responses as CSV: one row per response, one column per question, anonymous."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from sqlalchemy import select

from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter, Field
from surveyapp.periods import LOCAL_ZONE, Period
from surveyapp.questionnaires.codec import decode
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.responses.models import Response

FIXED_COLUMNS = (
    "response_id",
    "instrument",
    "version",
    "area",
    "agency",
    "counter",
    "field",
    "language",
    "channel",
    "started_at",
    "submitted_at",
    "status",
    "case_code",
)
#: Separator between the chosen options of a multiple-choice answer.
MULTI_SEPARATOR = ";"


def export_csv(out: TextIO, instrument_code: str, period: Period | None = None) -> int:
    """Write the responses to one instrument (every version) as CSV; return the number of rows.

    Times are local (Asia/Ho_Chi_Minh) ISO timestamps; question columns hold the scale value, the option code,
    or option codes joined by ``;``; skipped questions are empty. Text is UTF-8 (NFC).
    """
    versions = db.session.scalars(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(Instrument.code == instrument_code)
        .order_by(QuestionnaireVersion.version)
    ).all()
    if not versions:
        raise ValueError(f"no questionnaire '{instrument_code}' is loaded")
    question_columns: list[str] = []
    for version in versions:
        for question in version.definition.questions:
            if question.type != "text" and question.code not in question_columns:
                question_columns.append(question.code)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*FIXED_COLUMNS, *question_columns, "comment"])
    count = 0
    by_id = {v.id: v for v in versions}
    for row in _rows(list(by_id), period):
        version = by_id[row.questionnaire_version_id]
        answers = decode(version.definition, row.answers)
        cells = [_cell(answers.get(code)) for code in question_columns]
        writer.writerow(
            [
                row.uuid,
                instrument_code,
                version.version,
                row.area,
                row.agency,
                row.counter,
                row.field or "",
                row.language,
                row.channel,
                _local(row.started_at),
                _local(row.submitted_at),
                row.status,
                row.case_code or "",
                *cells,
                row.comment or "",
            ]
        )
        count += 1
    return count


def _rows(version_ids: list[int], period: Period | None) -> Iterator:
    query = (
        select(
            Response.uuid,
            Response.questionnaire_version_id,
            Area.code.label("area"),
            Agency.code.label("agency"),
            Counter.code.label("counter"),
            Field.code.label("field"),
            Response.language,
            Response.channel,
            Response.started_at,
            Response.submitted_at,
            Response.status,
            Response.case_code,
            Response.answers,
            Response.comment,
        )
        .join(Area, Response.area_id == Area.id)
        .join(Agency, Response.agency_id == Agency.id)
        .join(Counter, Response.counter_id == Counter.id)
        .outerjoin(Field, Response.field_id == Field.id)
        .where(Response.questionnaire_version_id.in_(version_ids))
        .order_by(Response.submitted_at, Response.id)
        .execution_options(yield_per=2000)
    )
    if period is not None:
        query = query.where(Response.submitted_at >= period.start, Response.submitted_at < period.end)
    yield from db.session.execute(query)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(value)
    return str(value)


def _local(instant) -> str:
    return instant.astimezone(LOCAL_ZONE).isoformat(timespec="seconds")
