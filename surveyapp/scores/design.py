"""Respondent weights and the sampling design for a period's responses.

Strata are agencies: each agency's kiosk respondents are treated as a sample of its clients. Weighting
(chosen in the scoring settings) makes agencies with more cases count more in a district or province figure:

``none``
    Unweighted: every respondent counts once.
``base``
    :math:`w_i = N_a / n_a`, the agency's case files in the period over its respondents.
``poststratify``
    Post-stratified to agency × field of procedure case volumes. A cell without respondents cannot be
    represented: its volume is spread over the agency's other cells in proportion to their volumes; a cell
    with respondents but no known volume (field unknown, or no volume for it) keeps the share of the agency
    that its respondents have in the agency's sample.
``rake``
    Raked to two margins: agencies (their volumes) and fields (the volumes of each field, over the agencies
    that have respondents, rescaled to the same total). Every respondent needs a known field.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from scoring import Design, base_weights, poststratify, rake
from surveyapp.db import db
from surveyapp.organisation.models import Agency, Field, ServiceVolume
from surveyapp.periods import Period, parse_period


class WeightingError(ValueError):
    """Weights cannot be computed as asked; the message says what is missing."""


@dataclass(frozen=True)
class WeightedDesign:
    design: Design
    #: One sentence on how respondents were weighted, for reports.
    note: str


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


def build_design(agency: np.ndarray, field: np.ndarray, weighting: str, period: Period) -> WeightedDesign:
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
        return _poststratified(agencies, strata, field, known, population)
    if weighting == "rake":
        return _raked(agencies, strata, field, known, population)
    raise WeightingError(f"Unknown weighting '{weighting}'.")


def _poststratified(agencies, strata, field, known, population) -> WeightedDesign:
    fields, field_index = np.unique(field, return_inverse=True)
    cells = strata * len(fields) + field_index
    counts = np.bincount(cells, minlength=len(agencies) * len(fields)).reshape(len(agencies), len(fields))
    totals = np.zeros_like(counts, dtype=float)
    for a, agency_id in enumerate(agencies):
        present = counts[a] > 0
        volume = np.array([known.get((int(agency_id), int(f)), 0.0) if f >= 0 else 0.0 for f in fields])
        without = present & (volume <= 0)
        sample_share = counts[a] / counts[a].sum()
        kept = sample_share[without].sum()  # cells with respondents and no known volume keep their share
        totals[a, without] = population[a] * sample_share[without]
        with_volume = present & (volume > 0)
        if with_volume.any():
            totals[a, with_volume] = population[a] * (1 - kept) * volume[with_volume] / volume[with_volume].sum()
    calibration = poststratify(cells, totals.ravel())
    return WeightedDesign(
        Design(strata=strata, calibration=calibration),
        "Post-stratified to case files per agency × field of procedure in the period.",
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
