"""Reading a period's responses for scoring, grouped in SQL and turned into numpy arrays.

The query groups responses by everything scoring needs per respondent except the answers (version, counter,
agency, area, field of procedure, status, partial) and concatenates the answers of each group in the database
(``string_agg`` on PostgreSQL, ``group_concat`` on SQLite). A period of a million responses thus arrives as
a few thousand rows instead of a million, read from the covering index ``ix_response_scoring`` in its own
order; the answers become one ``uint8`` matrix without a Python object per respondent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import LargeBinary, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from surveyapp.db import db
from surveyapp.periods import Period
from surveyapp.responses.models import STATUSES, Response


class concat_bytes(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """Aggregate: the concatenation of a group's byte strings."""

    type = LargeBinary()
    inherit_cache = True


@compiles(concat_bytes, "postgresql")
def _concat_postgresql(element, compiler, **kw) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ''::bytea)"


@compiles(concat_bytes, "sqlite")
def _concat_sqlite(element, compiler, **kw) -> str:
    return f"CAST(group_concat({compiler.process(element.clauses, **kw)}, '') AS BLOB)"


@dataclass(frozen=True)
class ResponseArrays:
    """One row per respondent: who answered where, and the encoded answers (``width`` bytes per row)."""

    version: np.ndarray
    counter: np.ndarray
    agency: np.ndarray
    area: np.ndarray
    #: Field of procedure id, -1 when unknown.
    field: np.ndarray
    #: Index into :data:`surveyapp.responses.models.STATUSES`.
    status: np.ndarray
    #: Sent unfinished by a kiosk that reset (see ``Response.partial``).
    partial: np.ndarray
    answers: np.ndarray

    @property
    def n(self) -> int:
        return len(self.counter)

    def subset(self, keep: np.ndarray) -> ResponseArrays:
        return ResponseArrays(*(getattr(self, name)[keep] for name in self.__dataclass_fields__))


def load_responses(version_ids: Sequence[int], width: int, period: Period) -> ResponseArrays:
    """Every response to the given versions (all with ``width`` answer bytes) submitted in ``period``."""
    status_code = {status: i for i, status in enumerate(STATUSES)}
    keys = (
        Response.questionnaire_version_id,
        Response.counter_id,
        Response.agency_id,
        Response.area_id,
        Response.field_id,
        Response.status,
        Response.partial,
    )
    query = (
        select(*keys, func.count(), concat_bytes(Response.answers))
        .where(
            Response.questionnaire_version_id.in_(list(version_ids)),
            Response.submitted_at >= period.start,
            Response.submitted_at < period.end,
        )
        .group_by(*keys)
    )
    rows = db.session.execute(query).all()
    counts = np.array([row[7] for row in rows], dtype=np.int64)
    blob = b"".join(row[8] for row in rows)
    if len(blob) != counts.sum() * width:
        raise ValueError("stored answers do not match the questionnaire's layout")

    def column(index: int, missing: int = -1) -> np.ndarray:
        values = np.array([missing if row[index] is None else row[index] for row in rows], dtype=np.int64)
        return np.repeat(values, counts)

    status = np.repeat(np.array([status_code[row[5]] for row in rows], dtype=np.int8), counts)
    partial = np.repeat(np.array([bool(row[6]) for row in rows], dtype=bool), counts)
    answers = np.frombuffer(blob, dtype=np.uint8).reshape(-1, width) if width else np.zeros((0, 0), np.uint8)
    return ResponseArrays(column(0), column(1), column(2), column(3), column(4), status, partial, answers)
