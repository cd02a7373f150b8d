"""Reading a period's responses for scoring, grouped in SQL and turned into numpy arrays.

The query groups responses by everything scoring needs per respondent except the answers (version, counter,
agency, area, field of procedure, status, partial) and concatenates the answers of each group in the database
(``string_agg`` on PostgreSQL, ``group_concat`` on SQLite). A period of a million responses thus arrives as
a few thousand rows instead of a million, read from the covering index ``ix_response_scoring`` in its own
order; the answers become one ``uint8`` matrix without a Python object per respondent. Versions that extend an
earlier one (new questions appended) are read together, the earlier answers padded with "not answered".
"""

from __future__ import annotations

from collections.abc import Mapping
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


def load_responses(widths: Mapping[int, int], width: int, period: Period) -> ResponseArrays:
    """Every response to the given versions submitted in ``period``, in a matrix of ``width`` answer bytes.

    ``widths`` maps each version id to its own answer width. A version whose layout is the first bytes of the
    ``width``-byte layout (an earlier version that a later one extends with new questions at the end) has
    its rows padded with zero bytes: "not answered" for every question it did not ask.
    """
    too_wide = sorted(v for v, w in widths.items() if w > width)
    if too_wide:
        raise ValueError(f"version(s) {too_wide} have more answer bytes than the layout they are scored with")
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
            Response.questionnaire_version_id.in_(list(widths)),
            Response.submitted_at >= period.start,
            Response.submitted_at < period.end,
        )
        .group_by(*keys)
    )
    rows = db.session.execute(query).all()
    counts = np.array([row[7] for row in rows], dtype=np.int64)
    if len(set(widths.values())) <= 1:
        blob = b"".join(row[8] for row in rows)
        if len(blob) != counts.sum() * width:
            raise ValueError("stored answers do not match the questionnaire's layout")
        answers = np.frombuffer(blob, dtype=np.uint8).reshape(-1, width) if width else np.zeros((0, 0), np.uint8)
    else:
        answers = np.zeros((int(counts.sum()), width), dtype=np.uint8)
        start = 0
        for row, count in zip(rows, counts.tolist(), strict=True):
            own = widths[row[0]]
            if len(row[8]) != count * own:
                raise ValueError("stored answers do not match the questionnaire's layout")
            if own:
                answers[start : start + count, :own] = np.frombuffer(row[8], dtype=np.uint8).reshape(-1, own)
            start += count

    def column(index: int, missing: int = -1) -> np.ndarray:
        values = np.array([missing if row[index] is None else row[index] for row in rows], dtype=np.int64)
        return np.repeat(values, counts)

    status = np.repeat(np.array([status_code[row[5]] for row in rows], dtype=np.int8), counts)
    partial = np.repeat(np.array([bool(row[6]) for row in rows], dtype=bool), counts)
    return ResponseArrays(column(0), column(1), column(2), column(3), column(4), status, partial, answers)
