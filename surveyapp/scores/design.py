"""Respondent weights and the sampling design for a period's responses.

Strata are agencies: each agency's kiosk respondents are treated as a sample of its clients. Weighting
(chosen in the scoring settings) makes agencies with more cases count more in a district or province figure:

``none``
    Unweighted: every respondent counts once.
``base``
    :math:`w_i = N_a / n_a`, the agency's case files in the period over its respondents.
``poststratify``
    Post-stratified to agency × field of procedure case volumes. A cell with respondents but no known volume
    (field unknown, or no volume for it) keeps the share of the agency that its respondents have in the
    agency's sample. Sparse cells are then collapsed within their agency before calibrating
    (:func:`scoring.collapse_cells`): a field with fewer than ``min_cell_size`` respondents (20 by default,
    the scoring settings say) joins the agency's other sparse fields, and cells without respondents bring
    their volume with them; a pool still too small joins the agency's smallest full field, and an agency
    without any full field is one cell, its total. A cell of one respondent would otherwise leave that
    respondent a calibration residual of zero, and a unit made of such cells a variance near zero (Kalton
    and Flores-Cervantes 2003, *J Off Stat* 19:81–97). What was merged is recorded with the scores.
``rake``
    Raked to two margins: agencies (their volumes) and fields (the volumes of each field, over the agencies
    that have respondents, rescaled to the same total). Every respondent needs a known field.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from scoring import Design, base_weights, collapse_cells, poststratify, rake
from surveyapp.db import db
from surveyapp.organisation.models import Agency, Field, ServiceVolume
from surveyapp.periods import Period, parse_period


class WeightingError(ValueError):
    """Weights cannot be computed as asked; the message says what is missing."""


@dataclass(frozen=True)
class MergedCell:
    """Fields of procedure of one agency that were post-stratified together."""

    agency_id: int
    #: Field ids merged (−1 = field unknown).
    fields: tuple[int, ...]
    #: Their names, Vietnamese and English (``None`` for the unknown field).
    names: tuple[tuple[str, str | None] | None, ...]
    #: Their codes (``None`` for the unknown field).
    codes: tuple[str | None, ...]
    respondents: int
    #: The agency had no field with enough respondents: the cell is the agency total.
    whole_agency: bool


@dataclass(frozen=True)
class WeightedDesign:
    design: Design
    #: One sentence on how respondents were weighted, for reports.
    note: str
    #: Post-strata collapsed before calibrating, and the least cell size of the rule.
    merged: tuple[MergedCell, ...] = ()
    min_cell_size: int | None = None


def volumes(period: Period) -> dict[tuple[int, int], float]:
    """Case files per (agency id, field id) in ``period``.

    Volumes stored for the period itself are used; a year without its own figures sums its quarters; a month
    without its own takes a third of its quarter.
    """
    rows = _volume_rows(period.code)
    if rows:
        return rows
    year, _, rest = period.code.partition("-")
    if not rest:
        total: dict[tuple[int, int], float] = defaultdict(float)
        for quarter in range(1, 5):
            for key, cases in _volume_rows(f"{year}-Q{quarter}").items():
                total[key] += cases
        return dict(total)
    if not rest.startswith("Q"):
        quarter = f"{year}-Q{(int(rest) - 1) // 3 + 1}"
        return {key: cases / 3 for key, cases in _volume_rows(quarter).items()}
    return {}


def _volume_rows(code: str) -> dict[tuple[int, int], float]:
    rows = db.session.execute(
        select(ServiceVolume.agency_id, ServiceVolume.field_id, ServiceVolume.cases).where(ServiceVolume.period == code)
    )
    return {(agency, field): float(cases) for agency, field, cases in rows}


def build_design(
    agency: np.ndarray, field: np.ndarray, weighting: str, period: Period, min_cell_size: int = 20
) -> WeightedDesign:
    """The design for respondents with these agency and field ids (``field`` −1 = unknown)."""
    agencies, strata = np.unique(agency, return_inverse=True)
    if weighting == "none" or len(agency) == 0:
        return WeightedDesign(Design(strata=strata), "Unweighted: every respondent counts once; strata are agencies.")
    known = volumes(parse_period(period.code))
    agency_volume = defaultdict(float)
    for (agency_id, _), cases in known.items():
        agency_volume[agency_id] += cases
    missing = [int(a) for a in agencies if agency_volume.get(int(a), 0) <= 0]
    if missing:
        codes = db.session.scalars(select(Agency.code).where(Agency.id.in_(missing)).order_by(Agency.code)).all()
        raise WeightingError(
            f"No service volumes for {len(codes)} agencies with responses in {period.code} "
            f"({', '.join(codes[:8])}{', …' if len(codes) > 8 else ''}): load them (load-volumes) or score "
            f"unweighted."
        )
    population = np.array([agency_volume[int(a)] for a in agencies])
    if weighting == "base":
        weights = base_weights(strata, population)
        return WeightedDesign(
            Design(strata=strata, weights=weights),
            "Weighted to each agency's case files in the period (N/n per agency).",
        )
    if weighting == "poststratify":
        return _poststratified(agencies, strata, field, known, population, min_cell_size)
    if weighting == "rake":
        return _raked(agencies, strata, field, known, population)
    raise WeightingError(f"Unknown weighting '{weighting}'.")


def _poststratified(agencies, strata, field, known, population, min_cell_size) -> WeightedDesign:
    # Every field an agency has respondents or volume in, so that an agency's cells (and so its weights) are the
    # same whichever other agencies are scored with it.
    ids = {int(a) for a in agencies}
    fields = np.unique(np.concatenate([field, [f for (a, f) in known if a in ids]]).astype(np.int64))
    n_fields = len(fields)
    cells = strata * n_fields + np.searchsorted(fields, field)
    counts = np.bincount(cells, minlength=len(agencies) * n_fields).reshape(len(agencies), n_fields)
    totals = np.zeros_like(counts, dtype=float)
    for a, agency_id in enumerate(agencies):
        volume = np.array([known.get((int(agency_id), int(f)), 0.0) if f >= 0 else 0.0 for f in fields])
        without = (counts[a] > 0) & (volume <= 0)
        sample_share = counts[a] / counts[a].sum()
        kept = sample_share[without].sum()  # cells with respondents and no known volume keep their share
        totals[a, without] = population[a] * sample_share[without]
        with_volume = volume > 0
        if with_volume.any():
            totals[a, with_volume] = population[a] * (1 - kept) * volume[with_volume] / volume[with_volume].sum()
    collapsed = collapse_cells(cells, np.repeat(np.arange(len(agencies)), n_fields), totals.ravel(), min_cell_size)
    calibration = poststratify(collapsed.cell, collapsed.total)
    cells_of_agency = np.bincount(collapsed.parent, minlength=len(agencies))
    rows = db.session.execute(
        select(Field.id, Field.code, Field.name, Field.name_en).where(Field.id.in_(fields.tolist()))
    ).all()
    field_names = {id_: (name, name_en) for id_, _code, name, name_en in rows}
    field_codes = {id_: code for id_, code, _name, _name_en in rows}
    merged = []
    for r in np.flatnonzero(collapsed.merged | collapsed.sparse):
        a = int(collapsed.parent[r])
        present = [int(c) % n_fields for c in collapsed.members[r] if counts[a, int(c) % n_fields] > 0]
        if len(present) < 2 and not collapsed.sparse[r]:
            continue  # a full field that only took the volume of fields without respondents
        merged.append(
            MergedCell(
                agency_id=int(agencies[a]),
                fields=tuple(int(fields[f]) for f in present),
                names=tuple(field_names.get(int(fields[f])) for f in present),
                codes=tuple(field_codes.get(int(fields[f])) for f in present),
                respondents=int(collapsed.counts[r]),
                whole_agency=bool(cells_of_agency[a] == 1),
            )
        )
    return WeightedDesign(
        Design(strata=strata, calibration=calibration),
        f"Post-stratified to case files per agency × field of procedure in the period; fields with fewer than "
        f"{min_cell_size} respondents merged within their agency ({len(merged)} merged cells).",
        tuple(merged),
        min_cell_size,
    )


def _raked(agencies, strata, field, known, population) -> WeightedDesign:
    if (field < 0).any():
        raise WeightingError(
            "Raking needs the field of procedure of every response; some are unknown. Use post-stratification instead."
        )
    fields, field_index = np.unique(field, return_inverse=True)
    field_totals = np.array([sum(known.get((int(a), int(f)), 0.0) for a in agencies) for f in fields])
    if (field_totals <= 0).any():
        names = db.session.scalars(select(Field.code).where(Field.id.in_([int(f) for f in fields[field_totals <= 0]])))
        raise WeightingError(f"No case volumes for fields with responses: {', '.join(names)}.")
    field_totals *= population.sum() / field_totals.sum()
    try:
        calibration = rake([strata, field_index], [population, field_totals])
    except ValueError as exc:
        raise WeightingError(
            f"The agency and field volumes cannot both be matched by these respondents ({exc}) Use "
            "post-stratification, which needs no agreement between the margins."
        ) from exc
    return WeightedDesign(
        Design(strata=strata, calibration=calibration),
        "Raked to case files per agency and per field of procedure in the period.",
    )
