"""A unit's figures for a period before it existed, or before it absorbed other units, reconstructed from the
answers given at its predecessors.

Rule (documented in the methods appendix and ``data/son-la/README.md``): the reconstructed index of unit U in
period P combines the estimates of U itself (if it served in P) and of every predecessor agency k that served
in P, each weighted by its case files in P times the share of it that passed to U:

.. math:: \\hat\\theta_U = \\sum_k a_k \\hat\\theta_k, \\qquad a_k \\propto V_k(P)\\, s_k,

with the variance of independent samples, :math:`\\sum_k a_k^2\\,\\widehat{\\mathrm{se}}_k^2` (see
:func:`scoring.combine`). Without service volumes for P, the numbers of respondents stand in for them.
Responses keep the units they were given in: nothing is moved, only combined for display.
"""

from __future__ import annotations

from collections.abc import Callable

import scoring
from surveyapp.organisation.history import History
from surveyapp.periods import Period
from surveyapp.scores.design import volumes
from surveyapp.scores.service import ScoreReport, Unit

#: ``Estimate.level`` of a reconstructed estimate.
RECONSTRUCTED = scoring.RECONSTRUCTED


def is_reconstructed(estimate: scoring.Estimate | None) -> bool:
    return estimate is not None and estimate.level == RECONSTRUCTED


def reconstruct(
    report: ScoreReport,
    unit: Unit,
    index: str,
    estimate_of: Callable[[str, int], scoring.Estimate | None],
    *,
    target: float | None,
    proportion: bool,
    history: History | None = None,
) -> scoring.Estimate | None:
    """The reconstructed ``index`` of ``unit`` (an agency or an area) in ``report``'s period, or ``None`` when
    no predecessor served then (the unit's own figures stand) or none has answers.

    ``estimate_of(level, unit_id)`` gives an estimate of ``report`` (the caller's choice of index and view);
    ``history`` the succession links (read now when not given).
    """
    period: Period = report.period
    if unit.kind not in ("agency", "area"):
        return None
    history = history or History.load()
    if unit.kind == "agency":
        sources = history.predecessors("agency", unit.id, period.first_day)
        own_level = "agency"
    else:
        sources = history.area_predecessor_agencies(unit.id, period.first_day)
        own_level = unit.level
    sources = {k: s for k, s in sources.items() if k in report.respondents.get("agency", {})}
    if not sources:
        return None
    cases = volumes(period)
    agency_cases: dict[int, float] = {}
    for (agency, _field), count in cases.items():
        agency_cases[agency] = agency_cases.get(agency, 0.0) + count
    own_agencies = _own_agencies(report, unit)

    def size(agencies: set[int]) -> float:
        known = sum(agency_cases.get(a, 0.0) for a in agencies)
        if known > 0:
            return known
        return float(sum(report.respondents["agency"].get(a, 0) for a in agencies))

    parts: list[scoring.Estimate] = []
    weights: list[float] = []
    own = estimate_of(own_level, unit.id) if unit.id in report.respondents.get(own_level, {}) else None
    if own is not None:
        parts.append(own)
        weights.append(size(own_agencies))
    for agency, share in sorted(sources.items()):
        estimate = estimate_of("agency", agency)
        if estimate is not None:
            parts.append(estimate)
            weights.append(size({agency}) * share)
    if not parts or (own is not None and len(parts) == 1):
        return None
    rules = report.settings.rules
    return scoring.combine(
        parts,
        weights,
        name=index,
        domain=unit.id,
        target=target,
        confidence=report.settings.confidence,
        rules=rules,
        proportion=proportion,
    ).estimate


def _own_agencies(report: ScoreReport, unit: Unit) -> set[int]:
    if unit.kind == "agency":
        return {unit.id}
    if report.arrays is None or unit.level not in report.domains:
        return set()
    mask = report.domains[unit.level] == unit.id
    return {int(a) for a in set(report.arrays.agency[mask].tolist())}
