"""Scoring entry points: SIPAS indices, generic proportions and means by domain, with their results."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from scipy import stats as sps

from scoring._checks import as_codes, check_confidence, check_target, readonly
from scoring._design import Design
from scoring._intervals import INSUFFICIENT, METHODS, NO_TARGET, proportion_interval
from scoring._linearise import (
    CellStats,
    build_cells,
    cross_covariance,
    group_sum,
    pairwise_covariance,
    within_covariance,
)
from scoring._reliability import RELIABLE, ReliabilityRules, reliability
from scoring._spec import IndexSpec

NO_ANSWERS = "no valid answers in this domain"
BOUNDARY = "estimate is exactly 0 or 1: Clopper-Pearson on Kish's effective size"
#: Why a composite away from 0 and 1 can have a zero variance: each of its criteria is 0% or 100%.
ZERO_VARIANCE = "variance is zero: Clopper-Pearson on Kish's effective size"
DEFAULT_LEVEL = "all"
#: The default reliability rules: the NCHS standards for proportions.
NCHS_RULES = ReliabilityRules()


#: The figures of an estimate, in the order tables print them: those behind intervals and decisions (floored
#: variance, reliability rules), then the raw linearisation figures that reproduce R's ``survey`` package.
ESTIMATE_FIELDS = (
    "estimate",
    "se",
    "lower",
    "upper",
    "n",
    "n_eff",
    "deff",
    "df",
    "p_value",
    "decision",
    "reliability",
    "reason",
    "se_raw",
    "n_eff_raw",
    "deff_raw",
)


@dataclass(frozen=True)
class Estimate:
    """One estimate of one domain (see :class:`LevelScores` for the meaning of each field)."""

    level: str
    domain: int
    name: str
    estimate: float
    se: float
    lower: float
    upper: float
    n: int
    n_eff: float
    n_kish: float
    deff: float
    deff_kish: float
    df: int
    p_value: float
    decision: str
    reason: str
    coverage: float
    se_raw: float = float("nan")
    n_eff_raw: float = float("nan")
    deff_raw: float = float("nan")
    reliability: str = RELIABLE

    @property
    def reliable(self) -> bool:
        """Whether the estimate meets the reliability rules (and so may carry a decision or a rank)."""
        return self.reliability == RELIABLE and self.estimate == self.estimate


@dataclass(frozen=True, eq=False)
class LevelScores:
    """All estimates of one domain level (e.g. every district), as read-only arrays.

    Attributes
    ----------
    level : str
        Name of the level (a key of ``domains`` given to the scorer).
    domains : ndarray of int, shape (D,)
        Domain codes present in the data, in increasing order (rows of every array).
    names : tuple of str
        Estimate names (columns): criteria, then elements, then ``"overall"`` for :func:`score`.
    estimate, se, lower, upper : ndarray, shape (D, J)
        Estimate, standard error and two-sided confidence bounds (nan = no estimate). With the design-effect
        floor (the default) ``se`` is :math:`\\sqrt{\\max(\\hat V, V_{\\mathrm{srs}})}`; the bounds and
        decisions use it.
    se_raw : ndarray, shape (D, J)
        The linearisation standard error :math:`\\sqrt{\\hat V}` as R's ``survey`` computes it.
    n : ndarray of int, shape (D, J)
        Valid answers (criteria), or respondents who answered at least one criterion of the composite.
    n_eff : ndarray, shape (D, J)
        Effective sample size :math:`n/\\mathrm{deff}`, never above ``n`` with the floor (without it, the
        interval's :math:`\\hat p(1-\\hat p)/\\hat V`, or the fallback).
    n_eff_raw : ndarray, shape (D, J)
        :math:`\\hat p(1-\\hat p)/\\hat V` from the raw variance (R's :math:`n^*`); nan for means or at zero
        variance.
    n_kish, deff_kish : ndarray, shape (D, J)
        Kish's effective size :math:`(\\sum w)^2/\\sum w^2` and weighting effect
        :math:`n\\sum w^2/(\\sum w)^2`.
    deff : ndarray, shape (D, J)
        Design effect against simple random sampling of ``n`` of the domain's own respondents,
        :math:`V/V_{\\mathrm{srs}}`, at least 1 with the floor (Kish's weighting effect where
        :math:`V_{\\mathrm{srs}}` is 0 or undefined).
    deff_raw : ndarray, shape (D, J)
        Design effect against simple random sampling without replacement of ``n`` from
        :math:`\\hat N = \\sum w` (R ``deff = TRUE``); nan when :math:`\\hat N \\le n` (e.g. unweighted).
    df : ndarray of int, shape (D, J)
        Degrees of freedom: ``n`` minus the strata those respondents belong to.
    p_value : ndarray, shape (D, J)
        One-sided p-value for :math:`H_1: p < p_0` (see :func:`scoring.proportion_interval`).
    decision : ndarray of str, shape (D, J)
        ``met``, ``not_met``, ``inconclusive``, ``insufficient`` (the estimate fails the reliability rules)
        or ``no_estimate`` (empty without a target).
    reliability : ndarray of str, shape (D, J)
        Empty where the estimate meets the reliability rules, else the first rule it fails (see
        :func:`scoring.reliability`).
    reason : ndarray of str, shape (D, J)
        Empty, or why there is no estimate or why the interval used its fallback.
    coverage : ndarray, shape (D, J)
        Share of the nominal weight of a composite carried by criteria that have valid answers in the
        domain (1 for a criterion with answers, 0 without).
    covariance : ndarray, shape (D, J, J)
        Covariance of each domain's estimates (criteria and composites).
    """

    level: str
    domains: np.ndarray
    names: tuple[str, ...]
    estimate: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n: np.ndarray
    n_eff: np.ndarray
    n_kish: np.ndarray
    deff: np.ndarray
    deff_kish: np.ndarray
    df: np.ndarray
    p_value: np.ndarray
    decision: np.ndarray
    reason: np.ndarray
    coverage: np.ndarray
    covariance: np.ndarray
    se_raw: np.ndarray
    n_eff_raw: np.ndarray
    deff_raw: np.ndarray
    reliability: np.ndarray

    def row(self, domain: int) -> int:
        """Row index of a domain code."""
        pos = int(np.searchsorted(self.domains, domain))
        if pos >= self.domains.size or self.domains[pos] != domain:
            raise ValueError(f"Domain {domain!r} has no respondents at level {self.level!r}.")
        return pos

    def column(self, name: str) -> int:
        """Column index of an estimate name."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(f"Unknown estimate {name!r}; known: {', '.join(self.names)}.") from None

    def get(self, domain: int, name: str) -> Estimate:
        """The estimate ``name`` of domain ``domain`` as a frozen :class:`Estimate`."""
        i, j = self.row(domain), self.column(name)
        return Estimate(
            level=self.level,
            domain=int(self.domains[i]),
            name=name,
            estimate=float(self.estimate[i, j]),
            se=float(self.se[i, j]),
            lower=float(self.lower[i, j]),
            upper=float(self.upper[i, j]),
            n=int(self.n[i, j]),
            n_eff=float(self.n_eff[i, j]),
            n_kish=float(self.n_kish[i, j]),
            deff=float(self.deff[i, j]),
            deff_kish=float(self.deff_kish[i, j]),
            df=int(self.df[i, j]),
            p_value=float(self.p_value[i, j]),
            decision=str(self.decision[i, j]),
            reason=str(self.reason[i, j]),
            coverage=float(self.coverage[i, j]),
            se_raw=float(self.se_raw[i, j]),
            n_eff_raw=float(self.n_eff_raw[i, j]),
            deff_raw=float(self.deff_raw[i, j]),
            reliability=str(self.reliability[i, j]),
        )


@dataclass(frozen=True, eq=False)
class Scores:
    """Estimates at every domain level, plus covariances between domains on request.

    Attributes
    ----------
    names : tuple of str
        Estimate names (columns of every level).
    method : str
        Interval method.
    confidence : float
        Two-sided confidence level; each target decision is a one-sided test at ``(1 - confidence)/2``.
    target : float or None
        Target proportion of the decisions.
    floor : bool
        Whether variances are floored at the simple-random-sampling variance of each domain's respondents.
    rules : ReliabilityRules or None
        The reliability rules applied (None: none).
    levels : mapping of str to LevelScores
        Results by level name.
    """

    names: tuple[str, ...]
    method: str
    confidence: float
    target: float | None
    floor: bool
    rules: ReliabilityRules | None
    levels: Mapping[str, LevelScores]
    _cells: CellStats = field(repr=False)
    _functionals: Mapping[str, np.ndarray] = field(repr=False)
    _members: Mapping[str, np.ndarray] = field(repr=False)

    def __getitem__(self, level: str) -> LevelScores:
        try:
            return self.levels[level]
        except KeyError:
            raise ValueError(f"Unknown level {level!r}; known: {', '.join(self.levels)}.") from None

    def get(self, level: str, domain: int, name: str) -> Estimate:
        """One estimate as a frozen :class:`Estimate`."""
        return self[level].get(domain, name)

    def joint_covariance(self, level: str, name: str, domains: Sequence[int] | None = None) -> np.ndarray:
        """Covariance matrix of one estimate across the domains of one level.

        Parameters
        ----------
        level : str
            Level name.
        name : str
            Estimate name.
        domains : sequence of int, optional
            Domain codes (default: all domains of the level, in ``LevelScores.domains`` order).

        Returns
        -------
        ndarray, shape (m, m)
            Diagonal: the variances; off-diagonal: covariances, which are zero for a plain stratified
            design with disjoint strata but not after post-stratification or raking. Rows whose estimate
            is missing are nan.
        """
        scores = self[level]
        j = scores.column(name)
        rows = (
            np.arange(scores.domains.size) if domains is None else np.array([scores.row(d) for d in domains])
        )
        cov = pairwise_covariance(
            self._cells, self._members[level], scores.domains.size, self._functionals[level][:, j]
        )
        cov = cov[np.ix_(rows, rows)]
        bad = np.isnan(scores.estimate[rows, j])
        cov[bad, :] = np.nan
        cov[:, bad] = np.nan
        return readonly(cov)

    def cross_covariance(self, level_a: str, domain_a: int, level_b: str, domain_b: int) -> np.ndarray:
        """Covariance between all estimates of two domains, of the same or of different levels.

        Parameters
        ----------
        level_a, level_b : str
            Level names.
        domain_a, domain_b : int
            Domain codes.

        Returns
        -------
        ndarray, shape (J, J)
            Entry (j, k) is the covariance of estimate j of domain a with estimate k of domain b.
        """
        sa, sb = self[level_a], self[level_b]
        ia, ib = sa.row(domain_a), sb.row(domain_b)
        cov = cross_covariance(
            self._cells,
            self._members[level_a] == ia,
            self._functionals[level_a][ia],
            self._members[level_b] == ib,
            self._functionals[level_b][ib],
        )
        cov[np.isnan(sa.estimate[ia]), :] = np.nan
        cov[:, np.isnan(sb.estimate[ib])] = np.nan
        return readonly(cov)


def _check_domains(domains: Mapping[str, object] | None, n: int) -> dict[str, np.ndarray]:
    if domains is None or len(domains) == 0:
        return {DEFAULT_LEVEL: np.zeros(n, dtype=np.int64)}
    return {str(k): as_codes(v, f"domain level {k!r}", n, allow_none=True) for k, v in domains.items()}


def _analyse(
    basis: Callable[[np.ndarray], np.ndarray],
    n_items: int,
    n_columns: int,
    names: tuple[str, ...],
    design: Design,
    domains: Mapping[str, object] | None,
    *,
    contrasts: Callable[[np.ndarray], np.ndarray] | None,
    binary: bool,
    method: str,
    confidence: float,
    target: float | None,
    floor: bool,
    rules: ReliabilityRules | None,
) -> Scores:
    """Shared engine of :func:`score`, :func:`proportions` and :func:`means`."""
    confidence = check_confidence(confidence)
    target = check_target(target)
    if method not in (*METHODS, "t"):
        raise ValueError(f"Unknown interval method {method!r}; choose one of {', '.join(METHODS)}.")
    if method == "clopper-pearson" and design.weighted:
        raise ValueError(
            "Clopper-Pearson uses raw counts and ignores weights; with a weighted design use 'beta'."
        )
    levels = _check_domains(domains, design.n)
    cells = build_cells(basis, n_items, n_columns, design, levels)
    k = n_items
    nb = 2 * k
    n_strata = cells.centre.size
    results: dict[str, LevelScores] = {}
    functionals: dict[str, np.ndarray] = {}
    members: dict[str, np.ndarray] = {}
    for level, cell_codes in cells.levels.items():
        codes = np.unique(cell_codes[cell_codes >= 0])
        member = np.where(cell_codes >= 0, np.searchsorted(codes, cell_codes), -1)
        n_dom = codes.size
        counts = group_sum(member, cells.unweighted, n_dom)
        lin = group_sum(member, cells.lin_sum, n_dom)
        sq = group_sum(member, cells.sq_sum, n_dom)
        cross_lin = group_sum(member, cells.cross_lin, n_dom)
        inside = member >= 0
        pair = np.unique(member[inside] * n_strata + cells.stratum[inside], return_inverse=True)[1].reshape(
            -1
        )
        present = group_sum(pair, cells.unweighted[inside], int(pair.max()) + 1 if pair.size else 0) > 0
        first_of_pair = np.zeros(present.shape[0], dtype=np.int64)
        first_of_pair[pair] = member[inside]
        n_strata_in = group_sum(first_of_pair, present.astype(np.float64), n_dom)

        n_valid = counts[:, :k]
        weight = lin[:, :k]
        available = n_valid > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(available, lin[:, k:nb] / weight, np.nan)
            inv = np.where(available, 1.0 / weight, 0.0)
        ell_items = np.zeros((n_dom, k, nb))
        idx = np.arange(k)
        ell_items[:, idx, k + idx] = inv
        ell_items[:, idx, idx] = -np.nan_to_num(p) * inv
        col = list(range(k))
        if binary:
            # Every answer satisfied (or none): the influence values are exactly zero.
            satisfied = counts[:, k:nb]
            flat_items = available & ((satisfied == 0) | (satisfied == n_valid))
            ell_items[flat_items] = 0.0
        else:
            flat_items = np.zeros(p.shape, dtype=bool)
        if contrasts is not None:
            coef = contrasts(available)  # (D, E1, K)
            ell = np.concatenate([ell_items, coef @ ell_items], axis=1)
            comp = (coef @ np.nan_to_num(p)[:, :, None])[:, :, 0]
            n_comp = coef.shape[1]
            col += list(range(nb, nb + n_comp))
            has = coef.sum(axis=2) > 0
            estimate = np.concatenate([p, np.where(has, comp, np.nan)], axis=1)
            nominal = contrasts(np.ones(k, dtype=bool))
            coverage = np.concatenate(
                [available * 1.0, np.einsum("ek,dk->de", nominal, available * 1.0)], axis=1
            )
        else:
            ell, estimate, coverage = ell_items, p, available * 1.0
        missing = np.isnan(estimate)
        degenerate = flat_items
        if contrasts is not None:
            flat = np.einsum("dek->de", coef * (available & ~flat_items)[:, None, :]) == 0
            degenerate = (
                np.concatenate([flat_items, flat & ~missing[:, k:]], axis=1)
                if binary
                else (np.zeros(estimate.shape, dtype=bool))
            )
        cov, gross = within_covariance(cells, member, n_dom, ell)
        n_est = counts[:, col]
        df = n_est - n_strata_in[:, col]
        var_raw = np.einsum("djj->dj", cov).copy()
        # A variance that is zero in exact arithmetic (e.g. criteria that offset each other exactly)
        # comes out as rounding noise of the sums it is computed from: call it zero. True variances of
        # non-degenerate estimates are far above this (a share of 1 - 1e-6 over 1e6 answers is ~1e-9 of it).
        var_raw = np.where(degenerate | (var_raw <= 1e-10 * gross), 0.0, var_raw)
        var_raw[missing] = np.nan
        unweighted = ell_items * np.where(available, weight / np.maximum(n_valid, 1.0), 0.0)[:, :, None]
        if contrasts is not None:
            unweighted = np.concatenate([unweighted, coef @ unweighted], axis=1)
        v_srs = _srs_variance(
            estimate, n_est, unweighted, cells.count_cross(member, n_dom), k if binary else 0
        )
        columns = _Columns(
            estimate=estimate,
            var_raw=var_raw,
            v_srs=v_srs,
            n=n_est,
            weight=lin[:, col],
            sq_weight=sq[:, col],
            spread=((ell @ cross_lin) * ell).sum(axis=2),
            df=df,
            degenerate=degenerate,
            missing=missing,
        )
        fields = _finish_estimates(
            columns, k, method=method, confidence=confidence, target=target, floor=floor, rules=rules, binary=binary
        )
        results[level] = LevelScores(
            level=level,
            domains=readonly(codes),
            names=names,
            df=readonly(df.astype(np.int64)),
            n=readonly(n_est.astype(np.int64)),
            coverage=readonly(coverage),
            covariance=readonly(cov),
            **{name: readonly(np.asarray(value)) for name, value in fields.items()},
        )
        functionals[level] = readonly(ell)
        members[level] = readonly(member)
    return Scores(
        names=names,
        method=method,
        confidence=confidence,
        target=target,
        floor=floor,
        rules=rules,
        levels=MappingProxyType(results),
        _cells=cells,
        _functionals=MappingProxyType(functionals),
        _members=MappingProxyType(members),
    )


@dataclass(frozen=True, eq=False)
class _Columns:
    """What the estimates of one level rest on, shape (D, J) each."""

    estimate: np.ndarray
    var_raw: np.ndarray
    v_srs: np.ndarray
    n: np.ndarray
    weight: np.ndarray
    sq_weight: np.ndarray
    spread: np.ndarray
    df: np.ndarray
    degenerate: np.ndarray
    missing: np.ndarray


def _srs_variance(
    estimate: np.ndarray, n: np.ndarray, unweighted: np.ndarray, count_cross: np.ndarray, n_shares: int
) -> np.ndarray:
    """Variance of each estimator under simple random sampling of the domain's own respondents.

    The first ``n_shares`` columns are shares of one yes/no answer: :math:`\\hat p(1-\\hat p)/n`. Every other
    column (composites, means) takes the unweighted influence values :math:`u_i = \\tilde\\ell^\\top x_i` of
    the same estimator, :math:`\\frac{n}{n-1}\\sum_i u_i^2`, which for complete answers is the sample
    variance of the respondents' own scores over :math:`n`; nan where :math:`n < 2`.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = ((unweighted @ count_cross) * unweighted).sum(axis=2)
        # As for the design variance: what is zero in exact arithmetic must not come out as rounding noise.
        size = np.abs(unweighted)
        gross = ((size @ count_cross) * size).sum(axis=2)
        spread = np.where(spread <= 1e-10 * gross, 0.0, spread)
        v_srs = np.where(n > 1, spread * n / (n - 1.0), np.nan)
        shares = estimate[:, :n_shares]
        v_srs[:, :n_shares] = np.where(n[:, :n_shares] > 0, shares * (1 - shares) / n[:, :n_shares], np.nan)
    v_srs[np.isnan(estimate)] = np.nan
    return v_srs


def _finish_estimates(
    c: _Columns,
    k: int,
    *,
    method: str,
    confidence: float,
    target: float | None,
    floor: bool,
    rules: ReliabilityRules | None,
    binary: bool,
) -> dict[str, np.ndarray]:
    """Variances with their floor, design effects, intervals, decisions and reliability of one level."""
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(c.v_srs > c.var_raw, c.v_srs, c.var_raw) if floor else c.var_raw
        n_kish = np.where(c.missing, np.nan, c.weight * c.weight / c.sq_weight)
        deff_kish = np.where(c.missing, np.nan, c.n * c.sq_weight / (c.weight * c.weight))
        deff = np.where(c.v_srs > 0, var / c.v_srs, deff_kish if floor else np.nan)
        v_r = c.spread * (c.weight - c.n) / (c.n - 1.0)
        deff_raw = np.where((c.weight > c.n) & (c.n > 1) & (v_r > 0), c.var_raw / v_r, np.nan)
        n_eff_raw = (
            np.where(c.var_raw > 0, c.estimate * (1 - c.estimate) / c.var_raw, np.nan)
            if binary
            else np.full(c.estimate.shape, np.nan)
        )
    se = np.sqrt(var)
    reason = np.full(c.estimate.shape, "", dtype=object)
    if method == "t":
        t = sps.t.ppf(0.5 + confidence / 2, np.maximum(c.df, 1))
        lower, upper = c.estimate - t * se, c.estimate + t * se
        n_eff = np.full(c.estimate.shape, np.nan)
        p_value = np.full(c.estimate.shape, np.nan)
        decision = np.full(c.estimate.shape, NO_TARGET, dtype="<U12")
    else:
        methods = np.full(c.estimate.shape[1], method, dtype=object)
        if method == "clopper-pearson":
            methods[k:] = "beta"
        lower, upper = np.full(c.estimate.shape, np.nan), np.full(c.estimate.shape, np.nan)
        n_eff, p_value = np.full(c.estimate.shape, np.nan), np.full(c.estimate.shape, np.nan)
        decision = np.full(c.estimate.shape, NO_TARGET, dtype="<U12")
        boundary = (c.estimate == 0) | (c.estimate == 1)
        for m in dict.fromkeys(methods):
            cols = np.flatnonzero(methods == m)
            ci = proportion_interval(
                c.estimate[:, cols],
                var[:, cols],
                c.n[:, cols],
                c.df[:, cols],
                fallback_size=n_kish[:, cols],
                degenerate=c.degenerate[:, cols],
                method=m,
                confidence=confidence,
                target=target,
            )
            lower[:, cols], upper[:, cols] = ci.lower, ci.upper
            n_eff[:, cols], p_value[:, cols] = ci.n_eff, ci.p_value
            decision[:, cols] = ci.decision
            fell_back = ci.fallback if m != "clopper-pearson" else np.zeros_like(ci.fallback)
            reason[:, cols] = np.where(
                fell_back, np.where(boundary[:, cols], BOUNDARY, ZERO_VARIANCE), reason[:, cols]
            )
    if floor:
        with np.errstate(invalid="ignore", divide="ignore"):
            n_eff = np.where(c.missing, np.nan, c.n / deff)
    reason[c.missing] = NO_ANSWERS
    if rules is None:
        fit = np.full(c.estimate.shape, RELIABLE, dtype="<U24")
    else:
        fit = reliability(c.estimate, lower, upper, c.n, n_eff, rules, proportion=method != "t")
        if target is not None:
            decision = np.where((fit != RELIABLE) & ~c.missing, INSUFFICIENT, decision)
    return {
        "estimate": c.estimate,
        "se": se,
        "se_raw": np.sqrt(c.var_raw),
        "lower": np.asarray(lower, dtype=np.float64),
        "upper": np.asarray(upper, dtype=np.float64),
        "n_eff": np.asarray(n_eff, dtype=np.float64),
        "n_eff_raw": n_eff_raw,
        "n_kish": n_kish,
        "deff": deff,
        "deff_raw": deff_raw,
        "deff_kish": deff_kish,
        "p_value": np.asarray(p_value, dtype=np.float64),
        "decision": decision,
        "reliability": np.asarray(fit, dtype=str),
        "reason": reason.astype(str),
    }


_DOC_NOTES = """
    Every estimate is a ratio of weighted sums over the respondents of domain :math:`d` who answered:

    .. math:: \\hat p_{dk} = \\frac{\\sum_i w_i \\delta_{id} m_{ik} y_{ik}}{\\sum_i w_i \\delta_{id} m_{ik}},
              \\qquad
              z_i = \\frac{w_i \\delta_{id} m_{ik} (y_{ik} - \\hat p_{dk})}{\\sum_j w_j \\delta_{jd} m_{jk}},

    with :math:`z_i = 0` outside the domain (rows are never dropped), adjusted for calibration, and
    :math:`\\hat V = \\sum_h \\frac{n_h}{n_h-1}\\sum_{i\\in h}(z_i - \\bar z_h)^2` as in R's ``svyrecvar``.
"""


def score(
    codes: object,
    spec: IndexSpec,
    design: Design,
    domains: Mapping[str, object] | None = None,
    *,
    method: str = "beta",
    confidence: float = 0.95,
    target: float | None = 0.90,
    floor: bool = True,
    rules: ReliabilityRules | None = NCHS_RULES,
) -> Scores:
    """Score a questionnaire: criterion, element and overall indices with intervals at every domain level.

    Parameters
    ----------
    codes : array_like of int, shape (n, K)
        Answer codes, one row per respondent and one column per criterion of ``spec`` (in order):
        0 = skipped (missing), 1..``spec.max_code`` the answer. A ``uint8`` matrix avoids a copy.
    spec : IndexSpec
        Criteria, elements, weights and the satisfied codes.
    design : Design
        Strata, weights or calibration, lonely-stratum policy.
    domains : mapping of str to array_like of int, optional
        Domain levels, e.g. ``{"counter": ..., "agency": ..., "district": ..., "province": ...}``; each an
        int code per respondent, -1 for "in no domain of this level". Default: one level ``"all"``.
    method : {"beta", "xlogit", "wilson", "jeffreys", "clopper-pearson"}
        Interval method for every estimate (see :func:`scoring.proportion_interval`).
        ``"clopper-pearson"`` needs an unweighted design and applies to criteria; composites then use
        ``"beta"``.
    confidence : float
        Two-sided confidence level.
    target : float or None
        Target for the decisions (default 0.90); None for no decisions.
    floor : bool
        Floor every variance at the simple-random-sampling variance of the domain's own respondents
        (default). False gives R's linearisation variances and intervals unchanged.
    rules : ReliabilityRules or None
        Reliability rules (default: NCHS); an estimate that fails them gets decision ``insufficient``.

    Returns
    -------
    Scores
        ``scores[level]`` is a :class:`LevelScores` with arrays of shape (D, K + E + 1).

    Notes
    -----
    A criterion answer is satisfied when its code is in ``spec.satisfied_codes``.
    %s
    An element (overall) index is :math:`\\sum_k a_{dk} \\hat p_{dk}`; its influence values are
    :math:`\\sum_k a_{dk} z_{ik}`, so its variance is :math:`a^\\top \\hat V a` with the full covariance of
    the criteria, each criterion with its own respondents. Where a criterion has no valid answer in a
    domain its weight is spread over the element's other criteria (``coverage`` < 1 says so); a
    composite with no criterion left has no estimate.

    Composite intervals use the same effective-size construction as criteria,
    :math:`n^* = \\hat E(1-\\hat E)/\\hat V`: a composite lies in [0, 1] but is not the share of one
    Bernoulli variable, so this is an approximation that keeps the bounds inside [0, 1]; its ``n`` is the
    number of respondents who answered at least one of its criteria.

    **Design-effect floor** (``floor=True``). The variance behind an interval, a decision and ``se`` is
    :math:`V = \\max(\\hat V, V_{\\mathrm{srs}})`, never below the simple-random-sampling variance of the
    same estimator from the domain's own respondents: :math:`\\hat p(1-\\hat p)/n` for a criterion, and for
    a composite (or a mean) :math:`\\frac{n}{n-1}\\sum_i u_i^2` with :math:`u_i` its unweighted influence
    values, which with complete answers is :math:`s^2/n`, the sample variance of the respondents' own
    composite scores over :math:`n` (not :math:`\\hat E(1-\\hat E)/n`, which would overstate it). So
    :math:`\\mathrm{deff} = V/V_{\\mathrm{srs}} \\ge 1` and :math:`n_{\\mathrm{eff}} = n/\\mathrm{deff} \\le n`;
    for a criterion the Korn–Graubard size is :math:`\\min(n, \\hat p(1-\\hat p)/\\hat V)` (Korn and Graubard
    1998; Parker et al. 2017). A linearisation variance that collapses (calibration cells of one
    respondent, a lonely stratum) can therefore never make an interval tighter than the answers allow.
    ``se_raw``, ``n_eff_raw`` and ``deff_raw`` keep the R-matching quantities.

    A composite's interval is the beta interval moment-matched to its floored variance: Korn–Graubard's
    construction with :math:`m = \\hat E(1-\\hat E)/V` (a Beta law with mean :math:`\\hat E` and variance
    :math:`V` has :math:`a + b = m - 1`). :math:`m` is a shape, not a sample size, and may exceed
    :math:`n`; the reported ``n_eff`` is :math:`n/\\mathrm{deff}`.

    **Reliability.** An estimate that fails ``rules`` (:func:`scoring.reliability`) gets decision
    ``insufficient`` and its ``reliability`` names the rule; its estimate and interval stay available.

    Degenerate cases, decided on integer counts: no valid answer gives ``estimate = nan`` with a
    ``reason`` and decision ``no_estimate``; an estimate of exactly 0 or 1 (every answer satisfied or
    none), or a zero variance, gives Clopper–Pearson bounds on Kish's effective size.

    References
    ----------
    Lumley, T. (2010), *Complex Surveys*, Wiley, chapters 2, 3 and 7; Binder, D. A. (1983), On the variances
    of asymptotically normal estimators from complex surveys, *Int. Stat. Rev.* 51:279–292;
    Korn and Graubard (1998), *Survey Methodology* 24:193–201; Kish, L. (1965), *Survey Sampling*.

    Examples
    --------
    >>> import numpy as np
    >>> spec = IndexSpec.from_elements({"access": ["a1", "a2"], "staff": ["s1"]})
    >>> codes = np.array([[5, 4, 3], [4, 0, 5], [2, 5, 5], [5, 5, 4]], dtype=np.uint8)
    >>> result = score(codes, spec, Design(strata=[0, 0, 1, 1]), {"agency": [0, 0, 1, 1]})
    >>> result["agency"].estimate.round(3).tolist()
    [[1.0, 1.0, 0.5, 1.0, 0.5, 0.75], [0.5, 1.0, 1.0, 0.75, 1.0, 0.875]]
    >>> e = result.get("agency", 0, "a1")
    >>> e.decision, e.reliability, e.n, e.n_eff
    ('insufficient', 'few_answers', 2, 2.0)
    """
    if not isinstance(spec, IndexSpec):
        raise ValueError("spec must be an IndexSpec.")
    matrix = np.asarray(codes)
    n_items = len(spec.items)
    if matrix.ndim != 2 or matrix.shape != (design.n, n_items):
        raise ValueError(
            f"codes must have shape ({design.n}, {n_items}) (respondents x criteria), got {matrix.shape}."
        )
    if not np.issubdtype(matrix.dtype, np.integer):
        raise ValueError(f"codes must be an integer matrix, got dtype {matrix.dtype}.")
    if matrix.size and (int(matrix.max()) > spec.max_code or int(matrix.min()) < 0):
        raise ValueError(
            f"codes must lie in 0..{spec.max_code} (0 = skipped); "
            f"found {int(matrix.min())}..{int(matrix.max())}."
        )
    matrix = matrix.astype(np.uint8, copy=False)
    lookup = np.zeros(256, dtype=bool)
    lookup[list(spec.satisfied_codes)] = True
    groups = [np.flatnonzero(row) for row in spec.contrasts() > 0]
    nb = 2 * n_items

    def basis(rows: np.ndarray) -> np.ndarray:
        part = matrix[rows]
        answered = part > 0
        x = np.empty((rows.size, nb + len(groups)), dtype=np.float32)
        x[:, :n_items] = answered
        x[:, n_items:nb] = lookup[part]
        for a, members in enumerate(groups):
            x[:, nb + a] = answered[:, members].any(axis=1)
        return x

    return _analyse(
        basis,
        n_items,
        nb + len(groups),
        spec.names,
        design,
        domains,
        contrasts=spec.contrasts,
        binary=True,
        method=method,
        confidence=confidence,
        target=target,
        floor=floor,
        rules=rules,
    )


score.__doc__ = score.__doc__ % _DOC_NOTES


def _indicator_matrix(values: object, name: str, n: int) -> np.ndarray:
    matrix = np.asarray(values)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2 or matrix.shape[0] != n:
        raise ValueError(f"{name} must have one row per respondent ({n}), got shape {np.shape(values)}.")
    return matrix


def _names(names: Sequence[str] | None, k: int) -> tuple[str, ...]:
    if names is None:
        return tuple(f"y{i}" for i in range(k))
    if len(names) != k or len(set(names)) != k:
        raise ValueError(f"Give {k} distinct names, one per column; got {list(names)}.")
    return tuple(str(v) for v in names)


def proportions(
    indicators: object,
    design: Design,
    domains: Mapping[str, object] | None = None,
    *,
    observed: object | None = None,
    names: Sequence[str] | None = None,
    method: str = "beta",
    confidence: float = 0.95,
    target: float | None = None,
    floor: bool = True,
    rules: ReliabilityRules | None = NCHS_RULES,
) -> Scores:
    """Weighted shares of respondents with a property, by domain (one-tap rating, integrity, grade bands).

    Parameters
    ----------
    indicators : array_like of bool, shape (n,) or (n, K)
        Whether each respondent has the property (e.g. rated "satisfied"; reported an informal payment;
        case in grade band A). One column per indicator.
    design : Design
        The sampling design.
    domains : mapping of str to array_like of int, optional
        Domain levels as in :func:`score`.
    observed : array_like of bool, same shape as ``indicators``, optional
        Whether the answer was given (default: all); unobserved answers leave the denominator.
    names : sequence of str, optional
        Column names (default ``y0, y1, ...``).
    method, confidence, target, floor, rules
        As in :func:`score`; ``target`` defaults to None (no decisions).

    Returns
    -------
    Scores
        Arrays of shape (D, K); no composites.

    Notes
    -----
    %s

    References
    ----------
    Lumley, T. (2010), *Complex Surveys*, sections 2.3 and 3.1; Korn and Graubard (1998).

    Examples
    --------
    >>> r = proportions([True, False, True, True], Design(strata=[0, 0, 0, 0]), names=["paid"])
    >>> float(r["all"].estimate[0, 0])
    0.75
    """
    y = _indicator_matrix(indicators, "indicators", design.n)
    if y.dtype != bool and not np.all(np.isin(y, (0, 1))):
        raise ValueError("indicators must be booleans (or 0/1).")
    y = y.astype(bool)
    m = (
        np.ones_like(y)
        if observed is None
        else _indicator_matrix(observed, "observed", design.n).astype(bool)
    )
    if m.shape != y.shape:
        raise ValueError(f"observed has shape {m.shape} but indicators {y.shape}.")
    k = y.shape[1]

    def basis(rows: np.ndarray) -> np.ndarray:
        x = np.empty((rows.size, 2 * k), dtype=np.float32)
        x[:, :k] = m[rows]
        x[:, k:] = m[rows] & y[rows]
        return x

    return _analyse(
        basis,
        k,
        2 * k,
        _names(names, k),
        design,
        domains,
        contrasts=None,
        binary=True,
        method=method,
        confidence=confidence,
        target=target,
        floor=floor,
        rules=rules,
    )


proportions.__doc__ = proportions.__doc__ % _DOC_NOTES


def means(
    values: object,
    design: Design,
    domains: Mapping[str, object] | None = None,
    *,
    names: Sequence[str] | None = None,
    confidence: float = 0.95,
    floor: bool = True,
    rules: ReliabilityRules | None = NCHS_RULES,
) -> Scores:
    """Weighted means of numeric answers by domain (e.g. the case evaluation's points), with t intervals.

    Parameters
    ----------
    values : array_like of float, shape (n,) or (n, K)
        Numeric values; nan marks a missing value (it leaves the denominator).
    design : Design
        The sampling design.
    domains : mapping of str to array_like of int, optional
        Domain levels as in :func:`score`.
    names : sequence of str, optional
        Column names (default ``y0, y1, ...``).
    confidence : float
        Two-sided confidence level.
    floor, rules
        As in :func:`score` (only the rules on numbers of answers apply to means).

    Returns
    -------
    Scores
        ``method == "t"``: bounds :math:`\\hat\\mu \\pm t_{df,1-\\alpha/2}\\,\\mathrm{SE}`; ``n_eff``,
        ``p_value`` are nan and there are no decisions.

    Notes
    -----
    %s

    References
    ----------
    Lumley, T. (2010), *Complex Surveys*, section 2.3; Cochran, W. G. (1977), *Sampling Techniques*, 3rd ed.,
    section 6.11 (ratio estimates).

    Examples
    --------
    >>> r = means([16.0, 18.0, 12.0, float("nan")], Design(strata=[0, 0, 0, 0]), names=["points"])
    >>> float(r["all"].estimate[0, 0])
    15.333333333333334
    """
    y = _indicator_matrix(values, "values", design.n).astype(np.float64)
    if np.isinf(y).any():
        raise ValueError("values must be finite numbers or nan (missing).")
    m = ~np.isnan(y)
    filled = np.where(m, y, 0.0)
    k = y.shape[1]

    def basis(rows: np.ndarray) -> np.ndarray:
        return np.concatenate([m[rows], filled[rows]], axis=1).astype(np.float64)

    return _analyse(
        basis,
        k,
        2 * k,
        _names(names, k),
        design,
        domains,
        contrasts=None,
        binary=False,
        method="t",
        confidence=confidence,
        target=None,
        floor=floor,
        rules=rules,
    )


means.__doc__ = means.__doc__ % _DOC_NOTES
