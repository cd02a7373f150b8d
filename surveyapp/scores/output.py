"""Score reports as plain data: rows for CSV, a document for JSON, lines for a terminal table."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator
from typing import Any, TextIO

import scoring
from surveyapp.numbers import format_value
from surveyapp.scores.measures import measure_of
from surveyapp.scores.service import ScoreReport, Unit

#: Every figure of an estimate (see :data:`scoring.ESTIMATE_FIELDS`): ``se``, ``lower``, ``upper``, ``n_eff``
#: (= n / deff, never above n), ``deff`` (at least 1), ``p_value`` and ``decision`` rest on the floored variance
#: and the reliability rules; the ``*_raw`` columns are R's linearisation figures.
ESTIMATE_FIELDS = scoring.ESTIMATE_FIELDS


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def estimate_dict(estimate) -> dict[str, Any]:
    return {name: _number(getattr(estimate, name)) for name in ESTIMATE_FIELDS}


def header(report: ScoreReport) -> dict[str, Any]:
    """What every result says about itself: period, questionnaire, settings, responses, weighting."""
    return {
        "period": report.period.code,
        "instrument": report.instrument,
        "versions": list(report.versions),
        "settings": report.settings.as_dict(),
        "weighting": report.weighting_note,
        "responses": report.responses,
        "left_out_flagged": report.left_out,
        "field": report.field_filter,
        "respondent": report.respondent_filter,
        "computed_at": report.computed_at.isoformat(timespec="seconds"),
        "notes": list(report.notes),
        "merged_cells": [
            {
                "agency": report.units["agency"][cell.agency_id].code,
                "fields": list(cell.codes),
                "respondents": cell.respondents,
                "whole_agency": cell.whole_agency,
            }
            for cell in report.merged_cells
            if cell.agency_id in report.units["agency"]
        ],
    }


def to_json(report: ScoreReport, level: str) -> dict[str, Any]:
    return {
        **header(report),
        "level": level,
        "units": [
            {
                "code": row["unit"].code,
                "name": row["unit"].name,
                "respondents": row["respondents"],
                "indices": {name: estimate_dict(e) for name, e in row["estimates"].items()},
            }
            for row in report.level_rows(level)
        ],
    }


def write_json(out: TextIO, report: ScoreReport, level: str) -> None:
    json.dump(to_json(report, level), out, ensure_ascii=False, indent=2)
    out.write("\n")


#: The columns of a score table: every row carries the period, questionnaire versions and settings.
CSV_COLUMNS = (
    "period",
    "instrument",
    "versions",
    "settings",
    "level",
    "unit",
    "name",
    "respondents",
    "index",
    *ESTIMATE_FIELDS,
)


def csv_rows(report: ScoreReport, level: str, keep: Callable[[Unit], bool] | None = None) -> Iterator[list[Any]]:
    """One row per unit of ``level`` (those ``keep`` accepts) and index, in the order of :data:`CSV_COLUMNS`;
    numbers stay numbers, a missing value is ``None``."""
    versions = " ".join(report.versions)
    settings = report.settings.describe()
    for row in report.level_rows(level):
        unit = row["unit"]
        if keep is not None and not keep(unit):
            continue
        for name, estimate in row["estimates"].items():
            values = estimate_dict(estimate)
            yield [
                report.period.code,
                report.instrument,
                versions,
                settings,
                level,
                unit.code,
                unit.name,
                row["respondents"],
                name,
                *(values[f] for f in ESTIMATE_FIELDS),
            ]


def write_csv(out: TextIO, report: ScoreReport, level: str) -> None:
    """One row per unit and index, each row carrying the period, questionnaire versions and settings."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(report, level):
        writer.writerow(["" if value is None else value for value in row])


def table_lines(report: ScoreReport, level: str, indices: tuple[str, ...]) -> list[str]:
    """A fixed-width table: each unit with the chosen indices as estimate [lower–upper] and the decision."""
    lines = [
        f"{report.instrument} ({', '.join(report.versions)}), {report.period.code}, level {level}: "
        f"{report.responses} responses scored, {report.left_out} flagged left out",
        f"Settings: {report.settings.describe()}",
        f"Weighting: {report.weighting_note}",
        *report.notes,
        "",
    ]
    heading = f"{'unit':<28} {'n':>7}  " + "  ".join(f"{name[:24]:<34}" for name in indices)
    lines += [heading, "-" * len(heading)]
    for row in report.level_rows(level):
        cells = []
        for name in indices:
            e = row["estimates"].get(name)
            if e is None or not math.isfinite(e.estimate):
                cells.append(f"{'no estimate':<34}")
                continue
            decision = f" {e.decision}" if e.decision else ""
            measure = measure_of(report.questionnaire, name)
            value = format_value(e.estimate, measure, "en")
            bounds = f" [{format_value(e.lower, measure, 'en')}–{format_value(e.upper, measure, 'en')}]"
            cells.append(f"{value:>6}{bounds}{decision}".ljust(34))
        lines.append(f"{row['unit'].code[:28]:<28} {row['respondents']:>7}  " + "  ".join(cells))
    return lines
