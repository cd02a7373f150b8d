"""Exports of scores and of anonymised responses as CSV and XLSX, for spreadsheets.

CSV is UTF-8 with a byte-order mark, so that spreadsheet programs read Vietnamese diacritics correctly, and is
streamed: rows are read from the database in batches and sent as they are written, so an export of any size
needs little memory. XLSX is written with openpyxl in write-only mode (rows go to a temporary file, never all
into memory) and is bounded by the format's own limit of 1,048,576 rows: a larger export is refused with a
sentence asking for CSV. Every XLSX file has a second sheet saying what it holds: period, questionnaire
versions, scoring settings, scope, and for responses how they were anonymised.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import ColumnElement, func, select

from surveyapp.db import db
from surveyapp.periods import Period
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.responses.export import ResponseTable
from surveyapp.responses.models import Response
from surveyapp.scores.measures import measure_of
from surveyapp.scores.output import CSV_COLUMNS, csv_rows
from surveyapp.scores.service import ScoreReport, Unit

#: Data rows an XLSX sheet can hold (1,048,576 rows, one of them the header).
XLSX_MAX_ROWS = 1_048_575
#: Rows written between two chunks of a streamed CSV.
CSV_CHUNK_ROWS = 500
#: Score columns holding the index's values: shares shown as percentages in XLSX, a case evaluation's mean
#: points as points.
PERCENT_COLUMNS = frozenset({"estimate", "se", "lower", "upper", "se_raw"})
PERCENT_FORMAT, POINTS_FORMAT = "0.0%", "0.0"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


class ExportTooLarge(ValueError):  # noqa: N818 - reads as the condition it reports
    """The export has more rows than an XLSX sheet holds."""


def csv_stream(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text in chunks: a byte-order mark and the header first, then :data:`CSV_CHUNK_ROWS` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(columns)
    for count, row in enumerate(rows, start=1):
        writer.writerow(["" if value is None else value for value in row])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(
    sheet: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    about: Sequence[tuple[str, Any]],
    about_title: str,
    percent_columns: frozenset[str] = frozenset(),
    row_format: Callable[[Sequence[Any]], str] | None = None,
) -> IO[bytes]:
    """An XLSX workbook in a temporary file, positioned at its start: ``rows`` under ``columns`` in ``sheet``,
    and ``about`` (label, value) on a second sheet. Raises :class:`ExportTooLarge` past the row limit.

    Numbers in ``percent_columns`` are shown as percentages, or in the number format ``row_format`` gives
    their row (a row of points is not a share)."""
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(sheet)
    data.freeze_panes = "A2"
    bold = Font(bold=True)
    data.append([_styled(data, name, font=bold) for name in columns])
    percent = {i for i, name in enumerate(columns) if name in percent_columns}
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_ROWS:
            raise ExportTooLarge(f"An XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows; export CSV instead.")
        number_format = row_format(row) if row_format is not None else PERCENT_FORMAT
        data.append(
            [
                _styled(data, value, number_format=number_format) if i in percent else _text_or_value(data, value)
                for i, value in enumerate(row)
            ]
        )
    info = workbook.create_sheet(about_title)
    info.column_dimensions["A"].width = 34
    info.column_dimensions["B"].width = 90
    for label, value in about:
        info.append([_styled(info, label, font=bold), value])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned open; the response sends and closes it
    workbook.save(handle)
    handle.seek(0)
    return handle


def _text_or_value(sheet, value: Any) -> Any:
    """Strings as text cells: openpyxl would make a formula of a citizen's comment that starts with ``=``."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _styled(sheet, value, *, font: Font | None = None, number_format: str | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None and isinstance(value, float):
        cell.number_format = number_format
    return cell


# ---------------------------------------------------------------------------------------------------- scores


def score_rows(report: ScoreReport, level: str, keep: Callable[[Unit], bool] | None) -> Iterator[list[Any]]:
    return csv_rows(report, level, keep)


def scores_csv(report: ScoreReport, level: str, keep: Callable[[Unit], bool] | None) -> Iterator[str]:
    return csv_stream(CSV_COLUMNS, score_rows(report, level, keep))


def scores_xlsx(
    report: ScoreReport,
    level: str,
    keep: Callable[[Unit], bool] | None,
    about: Sequence[tuple[str, Any]],
    about_title: str,
) -> IO[bytes]:
    index_column = CSV_COLUMNS.index("index")

    def row_format(row: Sequence[Any]) -> str:
        return PERCENT_FORMAT if measure_of(report.questionnaire, row[index_column]).is_share else POINTS_FORMAT

    rows = score_rows(report, level, keep)
    return xlsx_file("scores", CSV_COLUMNS, rows, about, about_title, PERCENT_COLUMNS, row_format)


# ------------------------------------------------------------------------------------------------- responses


def response_count(instrument: str, period: Period, where: ColumnElement[bool] | None) -> int:
    """How many responses an export of ``instrument`` for ``period`` within ``where`` holds."""
    query = (
        select(func.count())
        .select_from(Response)
        .join(QuestionnaireVersion, Response.questionnaire_version_id == QuestionnaireVersion.id)
        .join(Instrument)
        .where(Instrument.code == instrument, Response.submitted_at >= period.start, Response.submitted_at < period.end)
    )
    if where is not None:
        query = query.where(where)
    return db.session.scalar(query) or 0


def _numbers(table: ResponseTable, first_question: int) -> Iterator[list[Any]]:
    """Rows with scale answers as numbers (spreadsheets sum and average them)."""
    for row in table.rows:
        yield [
            int(value)
            if i >= first_question and isinstance(value, str) and value.isdigit() and not value.startswith("0")
            else value
            for i, value in enumerate(row)
        ]


#: A cell starting with one of these is a formula to a spreadsheet program opening a CSV file.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def responses_csv(table: ResponseTable) -> Iterator[str]:
    """The responses as CSV; a comment that a spreadsheet would run as a formula gets a leading apostrophe,
    which spreadsheets read as "this is text" (XLSX needs none: its cells are typed)."""
    if table.columns[-1:] != ["comment"]:
        return csv_stream(table.columns, table.rows)
    rows = ([*row[:-1], _as_text(row[-1])] for row in table.rows)
    return csv_stream(table.columns, rows)


def _as_text(comment: str) -> str:
    return "'" + comment if comment.startswith(FORMULA_START) else comment


def responses_xlsx(
    table: ResponseTable, fixed_columns: int, about: Sequence[tuple[str, Any]], about_title: str
) -> IO[bytes]:
    return xlsx_file("responses", table.columns, _numbers(table, fixed_columns), about, about_title)
