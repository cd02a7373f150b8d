"""Synthetic province-scale data for benchmarks: an organisation of any size and millions of responses,
inserted in bulk (executemany on SQLite, COPY on PostgreSQL) without going through the per-response service.
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
from sqlalchemy import delete, select

from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter, Field, ServiceVolume
from surveyapp.periods import Period
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.responses.models import Response


def build_organisation(
    districts: int = 12,
    agencies: int = 100,
    counters: int = 300,
    fields: int = 8,
    period: str = "2026-Q3",
    seed: int = 1,
) -> None:
    """A province with ``districts`` districts, ``agencies`` agencies spread over them (and the province),
    ``counters`` counters, ``fields`` fields of procedure, and service volumes for ``period``."""
    rng = np.random.default_rng(seed)
    province = Area(code="bench", name="Tỉnh thử nghiệm", level="province")
    db.session.add(province)
    areas = [
        Area(code=f"bench-d{d:02d}", name=f"Huyện {d}", level="district", parent=province) for d in range(districts)
    ]
    db.session.add_all(areas)
    field_rows = [Field(code=f"bench-f{f}", name=f"Lĩnh vực {f}") for f in range(fields)]
    db.session.add_all(field_rows)
    agency_rows = []
    for a in range(agencies):
        area = province if a < agencies // 6 else areas[a % districts]
        agency_rows.append(Agency(code=f"bench-a{a:03d}", name=f"Cơ quan {a}", kind="district", area=area))
    db.session.add_all(agency_rows)
    db.session.flush()
    db.session.add_all(
        Counter(
            code=f"bench-c{c:04d}",
            name=f"Quầy {c}",
            agency=agency_rows[c % agencies],
            instrument_code="sipas",
            opening_hours={},
        )
        for c in range(counters)
    )
    for agency in agency_rows:
        for field in field_rows:
            db.session.add(ServiceVolume(agency=agency, field=field, period=period, cases=int(rng.integers(50, 5000))))
    db.session.flush()


def clear_responses() -> None:
    db.session.execute(delete(Response))
    db.session.flush()


def answer_matrix(rng: np.random.Generator, n: int, width: int, agency: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Encoded SIPAS answers: 19 criteria driven by the agency's level and a respondent mood, 3% skipped; the
    other closed questions filled with valid positions."""
    logit = np.log(levels / (1 - levels))[agency] + rng.normal(0, 0.9, n)
    p = 1 / (1 + np.exp(-(logit[:, None] + rng.normal(0, 0.35, (n, 19)))))
    satisfied = rng.random((n, 19)) < p
    high = np.where(rng.random((n, 19)) < 0.45, 5, 4)
    low = rng.choice(np.array([1, 2, 3], dtype=np.uint8), size=(n, 19), p=[0.17, 0.33, 0.5])
    criteria = np.where(satisfied, high, low).astype(np.uint8)
    criteria[rng.random((n, 19)) < 0.03] = 0
    matrix = np.zeros((n, width), dtype=np.uint8)
    matrix[:, :19] = criteria
    matrix[:, 19] = np.where(rng.random(n) < 0.9, np.clip(np.round(criteria.mean(axis=1)), 1, 5), 0)
    matrix[:, 20:22] = np.where(rng.random((n, 2)) < 0.03, 1, 2)
    matrix[:, 22] = rng.integers(1, 256, n)
    matrix[:, 23:width] = rng.integers(0, 3, (n, width - 23))
    return matrix


def insert_responses(n: int, period: Period, instrument: str = "sipas", seed: int = 2, batch: int = 100_000) -> None:
    """Insert ``n`` responses spread over the counters, fields and days of ``period``."""
    rng = np.random.default_rng(seed)
    version = db.session.scalar(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(Instrument.code == instrument)
        .order_by(QuestionnaireVersion.version.desc())
    )
    width = version.definition.width
    counters = db.session.execute(
        select(Counter.id, Counter.agency_id, Agency.area_id)
        .join(Agency)
        .where(Counter.code.like("bench-%"))
        .order_by(Counter.id)
    ).all()
    field_ids = np.array(db.session.scalars(select(Field.id).where(Field.code.like("bench-%"))).all())
    counter_ids = np.array([c[0] for c in counters])
    counter_agency = np.array([c[1] for c in counters])
    counter_area = np.array([c[2] for c in counters])
    agencies, agency_of_counter = np.unique(counter_agency, return_inverse=True)
    levels = np.where(
        rng.random(len(agencies)) < 0.17,
        rng.uniform(0.66, 0.82, len(agencies)),
        rng.uniform(0.85, 0.975, len(agencies)),
    )
    popularity = rng.lognormal(0, 1.0, len(counter_ids))
    popularity /= popularity.sum()
    seconds = int((period.end - period.start).total_seconds())
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    for start in range(0, n, batch):
        size = min(batch, n - start)
        which = rng.choice(len(counter_ids), size=size, p=popularity)
        raw = answer_matrix(rng, size, width, agency_of_counter[which], levels).tobytes()
        fields = field_ids[rng.integers(0, len(field_ids), size)]
        offsets = rng.integers(0, seconds, size)
        ids = os.urandom(16 * size).hex()
        rows = []
        for i in range(size):
            submitted = period.start + dt.timedelta(seconds=int(offsets[i]))
            started = submitted - dt.timedelta(seconds=90)
            key = ids[32 * i : 32 * (i + 1)]
            if not postgres:
                submitted, started = _sqlite_time(submitted), _sqlite_time(started)
            rows.append(
                (
                    key,
                    version.id,
                    int(counter_ids[which[i]]),
                    int(counter_agency[which[i]]),
                    int(counter_area[which[i]]),
                    int(fields[i]),
                    "vi",
                    "kiosk",
                    started,
                    submitted,
                    submitted,
                    raw[i * width : (i + 1) * width],
                    "ok",
                    key + key,
                )
            )
        _bulk(connection, rows, postgres)


COLUMNS = (
    "uuid",
    "questionnaire_version_id",
    "counter_id",
    "agency_id",
    "area_id",
    "field_id",
    "language",
    "channel",
    "started_at",
    "submitted_at",
    "received_at",
    "answers",
    "status",
    "content_digest",
)


def _sqlite_time(instant: dt.datetime) -> str:
    """How SQLAlchemy stores a UTC timestamp in SQLite."""
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _bulk(connection, rows: list[tuple], postgres: bool) -> None:
    raw = connection.connection.driver_connection
    if postgres:
        with raw.cursor() as cursor, cursor.copy(f"COPY response ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in COLUMNS)
    raw.executemany(f"INSERT INTO response ({', '.join(COLUMNS)}) VALUES ({marks})", rows)
