"""Loading the organisation file (TOML) and service volumes (CSV).

Units are matched by code: loading again updates names, parents, dates, successors and splits; units missing
from the file are left untouched (history is never deleted). Everything in a file is checked before anything
is stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter as Tally
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from surveyapp.datafiles import DefinitionError, read_toml, validate
from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter, Field, ServiceVolume, UnitSplit

PERIOD_PATTERN = re.compile(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How far the shares of a split may add up away from 1 (they are written with three decimals).
SHARE_TOLERANCE = 0.005
#: The unit lists of the file, their models and their kind in :class:`UnitSplit`.
UNIT_LISTS = (("areas", Area, "area"), ("agencies", Agency, "agency"), ("counters", Counter, "counter"))


@dataclass(frozen=True)
class OrganisationSummary:
    fields: int
    areas: int
    agencies: int
    counters: int


def load_organisation(path: Path) -> OrganisationSummary:
    """Validate and store an organisation file. Flushes; the caller commits."""
    source = str(path)
    data = read_toml(path, source)
    validate("organisation", data, source)
    _check_references(data, source)
    templates = data.get("hours", {})

    fields = _upsert(
        Field, data.get("fields", []), lambda row: {"name_en": row.get("name_en"), "icon": row.get("icon")}
    )
    areas = _upsert(
        Area,
        data["areas"],
        lambda row: {"name_en": row.get("name_en"), "level": row["level"], "official_code": row.get("official_code")},
    )
    _link(Area, data["areas"], areas, "parent", "parent_id")
    _link(Area, data["areas"], areas, "successor", "successor_id")
    _link(Area, data["areas"], areas, "former_district", "former_district_id")
    agencies = _upsert(
        Agency,
        data.get("agencies", []),
        lambda row: {"name_en": row.get("name_en"), "kind": row["kind"], "area_id": areas[row["area"]].id},
    )
    _link(Agency, data.get("agencies", []), agencies, "successor", "successor_id")
    counters = _upsert(
        Counter,
        data.get("counters", []),
        lambda row: {
            "name_en": row.get("name_en"),
            "agency_id": agencies[row["agency"]].id,
            "field_id": fields[row["field"]].id if row.get("field") else None,
            "instrument_code": row.get("instrument", "sipas"),
            "form": row.get("form"),
            "opening_hours": _hours(row.get("hours"), templates),
        },
    )
    _link(Counter, data.get("counters", []), counters, "successor", "successor_id")
    for key, _model, kind in UNIT_LISTS:
        _store_splits(kind, data.get(key, []), {"areas": areas, "agencies": agencies, "counters": counters}[key])
    db.session.flush()
    return OrganisationSummary(
        len(data.get("fields", [])), len(data["areas"]), len(data.get("agencies", [])), len(data.get("counters", []))
    )


def _known(model, rows: list[dict[str, Any]]) -> set[str]:
    return {row["code"] for row in rows} | set(db.session.scalars(select(model.code)))


def _check_references(data: dict[str, Any], source: str) -> None:
    problems: list[tuple[str, str]] = []
    for key in ("fields", "areas", "agencies", "counters"):
        for code, count in Tally(row["code"] for row in data.get(key, [])).items():
            if count > 1:
                problems.append((key, f"'{code}' is listed {count} times"))
    areas = _known(Area, data["areas"])
    agencies = _known(Agency, data.get("agencies", []))
    counters = _known(Counter, data.get("counters", []))
    fields = _known(Field, data.get("fields", []))
    templates = data.get("hours", {})
    checks = [
        ("areas", "parent", areas),
        ("areas", "successor", areas),
        ("areas", "former_district", areas),
        ("agencies", "area", areas),
        ("agencies", "successor", agencies),
        ("counters", "agency", agencies),
        ("counters", "field", fields),
        ("counters", "successor", counters),
    ]
    for key, ref, known in checks:
        for i, row in enumerate(data.get(key, [])):
            if ref in row and row[ref] not in known:
                problems.append((f"{key}[{i}].{ref}", f"'{row[ref]}' is not a known code"))
            if ref == "successor" and row.get(ref) == row["code"]:
                problems.append((f"{key}[{i}].successor", "a unit cannot be its own successor"))
    for i, row in enumerate(data.get("counters", [])):
        if isinstance(row.get("hours"), str) and row["hours"] not in templates:
            problems.append((f"counters[{i}].hours", f"'{row['hours']}' is not a template under [hours]"))
    for name, week in templates.items():
        problems += check_week(week, f"hours.{name}")
    for i, row in enumerate(data.get("counters", [])):
        if isinstance(row.get("hours"), dict):
            problems += check_week(row["hours"], f"counters[{i}].hours")
    problems += _check_history(data, {"areas": areas, "agencies": agencies, "counters": counters})
    official = Tally(row["official_code"] for row in data["areas"] if row.get("official_code"))
    problems += [("areas", f"official code {code} is given to {n} areas") for code, n in official.items() if n > 1]
    parents = {row["code"]: row.get("parent") for row in data["areas"]}
    for code in parents:
        seen, current = set(), code
        while current in parents and parents[current] is not None:
            if current in seen:
                problems.append(("areas", f"'{code}' is its own ancestor"))
                break
            seen.add(current)
            current = parents[current]
    if problems:
        raise DefinitionError(source, problems)


def _check_history(data: dict[str, Any], known: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Dates in order; a successor or a split only for a retired unit, never both; splits that add up."""
    problems: list[tuple[str, str]] = []
    for key, _model, _kind in UNIT_LISTS:
        for i, row in enumerate(data.get(key, [])):
            where = f"{key}[{i}]"
            start, end = row.get("established_on"), row.get("retired_on")
            if start and end and str(end) <= str(start):
                problems.append((where, f"retired on {end}, not after it was established on {start}"))
            if ("successor" in row or "split_into" in row) and not end:
                problems.append((where, "has a successor or a split but no retired_on"))
            if "successor" in row and "split_into" in row:
                problems.append((where, "give either a successor (merged whole) or split_into (shared), not both"))
            split = row.get("split_into", [])
            units = [part["unit"] for part in split]
            for j, unit in enumerate(units):
                if unit not in known[key]:
                    problems.append((f"{where}.split_into[{j}].unit", f"'{unit}' is not a known code"))
                if unit == row["code"]:
                    problems.append((f"{where}.split_into[{j}].unit", "a unit cannot be split into itself"))
            if len(set(units)) < len(units):
                problems.append((f"{where}.split_into", "names a unit twice"))
            if split and abs(sum(part["share"] for part in split) - 1) > SHARE_TOLERANCE:
                total = sum(part["share"] for part in split)
                problems.append((f"{where}.split_into", f"the shares add up to {total:.3f}, not 1"))
    return problems


def _store_splits(kind: str, rows: list[dict[str, Any]], units: dict[str, Any]) -> None:
    """Replace the stored splits of the units in ``rows`` with the file's (shares scaled to add up to 1)."""
    ids = [units[row["code"]].id for row in rows]
    for chunk in range(0, len(ids), 500):
        for split in db.session.scalars(
            select(UnitSplit).where(UnitSplit.kind == kind, UnitSplit.predecessor_id.in_(ids[chunk : chunk + 500]))
        ):
            db.session.delete(split)
    db.session.flush()
    for row in rows:
        parts = row.get("split_into", [])
        total = sum(part["share"] for part in parts)
        for part in parts:
            db.session.add(
                UnitSplit(
                    kind=kind,
                    predecessor_id=units[row["code"]].id,
                    successor_id=units[part["unit"]].id,
                    share=part["share"] / total,
                )
            )


def check_week(week: dict[str, list[str]], path: str) -> list[tuple[str, str]]:
    """Opening hours whose span ends before it starts, as problems at ``path``."""
    problems = []
    for day, spans in week.items():
        for j, span in enumerate(spans):
            start, end = span.split("-")
            if start >= end:
                problems.append((f"{path}.{day}[{j}]", f"'{span}' ends before it starts"))
    return problems


def _hours(value: str | dict | None, templates: dict[str, dict]) -> dict[str, list[list[str]]]:
    week = templates.get(value, {}) if isinstance(value, str) else (value or {})
    return {day: [span.split("-") for span in week[day]] for day in DAYS if day in week}


def _upsert(model, rows: list[dict[str, Any]], extra) -> dict[str, Any]:
    """Create or update each unit by code; return every unit by code (those already stored included)."""
    existing = {unit.code: unit for unit in db.session.scalars(select(model))}
    for row in rows:
        unit = existing.get(row["code"])
        if unit is None:
            unit = existing[row["code"]] = model(code=row["code"])
            db.session.add(unit)
        unit.name = row["name"]
        for key, value in extra(row).items():  # nosec B610  # our extra(), not Django's QuerySet.extra
            setattr(unit, key, value)
        if hasattr(model, "retired_on"):
            unit.established_on = _date(row.get("established_on"))
            unit.retired_on = _date(row.get("retired_on"))
    db.session.flush()
    return existing


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _link(model, rows: list[dict[str, Any]], units: dict[str, Any], key: str, column: str) -> None:
    for row in rows:
        target = row.get(key)
        setattr(units[row["code"]], column, units[target].id if target else None)


@dataclass(frozen=True)
class VolumeSummary:
    rows: int
    periods: tuple[str, ...]


VOLUME_COLUMNS = ("agency", "field", "period", "cases")


def load_volumes(path: Path) -> VolumeSummary:
    """Load service volumes (case files per agency × field × period) from a CSV file.

    Columns: ``agency,field,period,cases`` (codes, an ISO period such as ``2026-Q3``, a whole number).
    A row for an existing agency × field × period replaces its number. Every row is checked first.
    """
    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DefinitionError(source, [("", f"cannot be read: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise DefinitionError(source, [("", f"is not UTF-8 text (byte {exc.start})")]) from exc
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != VOLUME_COLUMNS:
        raise DefinitionError(source, [("line 1", f"the header must be {','.join(VOLUME_COLUMNS)}")])
    agencies = {a.code: a.id for a in db.session.scalars(select(Agency))}
    fields = {f.code: f.id for f in db.session.scalars(select(Field))}
    problems: list[tuple[str, str]] = []
    parsed: dict[tuple[int, int, str], int] = {}
    for line, row in enumerate(reader, start=2):
        where = f"line {line}"
        if None in row or any(v is None for v in row.values()):
            problems.append((where, "has a different number of columns than the header"))
            continue
        agency, field, period, cases = (row[c].strip() for c in VOLUME_COLUMNS)
        if agency not in agencies:
            problems.append((where, f"unknown agency '{agency}'"))
        if field not in fields:
            problems.append((where, f"unknown field '{field}'"))
        if not PERIOD_PATTERN.match(period):
            problems.append((where, f"'{period}' is not a period such as 2026, 2026-Q3 or 2026-07"))
        if not cases.isdigit():
            problems.append((where, f"cases '{cases}' is not a whole number ≥ 0"))
        if agency in agencies and field in fields and PERIOD_PATTERN.match(period) and cases.isdigit():
            key = (agencies[agency], fields[field], period)
            if key in parsed:
                problems.append((where, f"{agency} × {field} × {period} appears twice"))
            parsed[key] = int(cases)
    if problems:
        raise DefinitionError(source, problems[:50])
    stored = {
        (v.agency_id, v.field_id, v.period): v
        for v in db.session.scalars(select(ServiceVolume).where(ServiceVolume.period.in_({k[2] for k in parsed})))
    }
    new = []
    for key, cases in parsed.items():
        volume = stored.get(key)
        if volume is None:
            new.append({"agency_id": key[0], "field_id": key[1], "period": key[2], "cases": cases})
        else:
            volume.cases = cases
    db.session.flush()
    if new:
        db.session.execute(insert(ServiceVolume), new)
    return VolumeSummary(len(parsed), tuple(sorted({k[2] for k in parsed})))
