"""Exporting stored responses: one row per response, one column per question; in full or anonymised."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import ColumnElement, func, select

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


#: The fixed columns of an anonymised export: no response id, no case-file code, the day instead of the time.
ANONYMOUS_COLUMNS = (
    "instrument",
    "version",
    "area",
    "agency",
    "counter",
    "field",
    "language",
    "channel",
    "submitted_on",
    "status",
)


@dataclass
class ResponseTable:
    """The columns of a response export and its rows, read from the database as they are iterated."""

    columns: list[str]
    rows: Iterator[list[str]]


def response_table(
    instrument_code: str,
    period: Period | None = None,
    *,
    where: ColumnElement[bool] | None = None,
    anonymous: bool = False,
    comments: bool = True,
    minimum_group: int = 0,
) -> ResponseTable:
    """The responses to one instrument (every version), one row per response, one column per question.

    ``where`` restricts the responses (e.g. to a person's scope). ``anonymous`` leaves out the response id and
    the case-file code and gives the local day instead of the start and submission times. ``comments=False``
    leaves out the comment column; ``minimum_group`` blanks the comments given at counters with fewer
    responses than that in the export (so that nobody can be recognised). Rows are read in batches as the
    table is iterated. Raises ``ValueError`` when the instrument is not loaded.
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
    fixed = ANONYMOUS_COLUMNS if anonymous else FIXED_COLUMNS
    columns = [*fixed, *question_columns, *(["comment"] if comments else [])]
    # Plain values, not ORM objects: the rows may be read after a commit, in another session (a streamed download).
    by_id = {v.id: (v.version, v.definition) for v in versions}
    small: set[int] = set()
    if comments and minimum_group > 0:
        small = _small_counters(list(by_id), period, where, minimum_group)

    def rows() -> Iterator[list[str]]:
        for row in _rows(list(by_id), period, where):
            number, definition = by_id[row.questionnaire_version_id]
            answers = decode(definition, row.answers)
            cells = [_cell(answers.get(code)) for code in question_columns]
            if anonymous:
                head = [
                    instrument_code,
                    number,
                    row.area,
                    row.agency,
                    row.counter,
                    row.field or "",
                    row.language,
                    row.channel,
                    _local_day(row.submitted_at),
                    row.status,
                ]
            else:
                head = [
                    row.uuid,
                    instrument_code,
                    number,
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
                ]
            tail = []
            if comments:
                tail = ["" if row.counter_id in small else (row.comment or "")]
            yield [*head, *cells, *tail]

    return ResponseTable(columns, rows())


def export_csv(out: TextIO, instrument_code: str, period: Period | None = None) -> int:
    """Write the responses to one instrument (every version) as CSV; return the number of rows.

    Times are local (Asia/Ho_Chi_Minh) ISO timestamps; question columns hold the scale value, the option code,
    or option codes joined by ``;``; skipped questions are empty. Text is UTF-8 (NFC).
    """
    table = response_table(instrument_code, period)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    count = 0
    for row in table.rows:
        writer.writerow(row)
        count += 1
    return count


def _small_counters(version_ids: list[int], period: Period | None, where, minimum: int) -> set[int]:
    query = (
        select(Response.counter_id)
        .where(Response.questionnaire_version_id.in_(version_ids))
        .group_by(Response.counter_id)
        .having(func.count() < minimum)
    )
    if period is not None:
        query = query.where(Response.submitted_at >= period.start, Response.submitted_at < period.end)
    if where is not None:
        query = query.where(where)
    return set(db.session.scalars(query))


def _rows(version_ids: list[int], period: Period | None, where=None) -> Iterator:
    query = (
        select(
            Response.uuid,
            Response.questionnaire_version_id,
            Response.counter_id,
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
    if where is not None:
        query = query.where(where)
    yield from db.session.execute(query)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(value)
    return str(value)


def _local(instant) -> str:
    return instant.astimezone(LOCAL_ZONE).isoformat(timespec="seconds")


def _local_day(instant) -> str:
    return instant.astimezone(LOCAL_ZONE).date().isoformat()
