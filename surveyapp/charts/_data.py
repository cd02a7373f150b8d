"""What the charts draw: frozen dataclasses that check their values when they are made."""

from __future__ import annotations

import itertools
import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from surveyapp.charts import _text
from surveyapp.numbers import SHARE_MEASURE, Measure

INSIDE, ABOVE, BELOW = "inside", "above", "below"
STATUSES = (INSIDE, ABOVE, BELOW)

_TOLERANCE = 1e-9
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ValueError(f"{what} must be a finite number; got {value!r}.")
    return float(value)


def share(value: object, what: str) -> float:
    """``value`` as a float when it is a proportion in [0, 1], else a ``ValueError`` naming ``what``."""
    number = _number(value, what)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{what} must be a proportion between 0 and 1; got {value!r}.")
    return number


def size(value: object, what: str) -> float:
    """``value`` as a float when it is a sample size above 0."""
    number = _number(value, what)
    if number <= 0:
        raise ValueError(f"{what} must be above 0; got {value!r}.")
    return number


def open_share(value: object, what: str) -> float:
    """A proportion strictly between 0 and 1 (a target or a confidence level)."""
    number = _number(value, what)
    if not 0.0 < number < 1.0:
        raise ValueError(f"{what} must lie strictly between 0 and 1; got {value!r}.")
    return number


def on_scale(value: object, what: str, measure: Measure) -> float:
    """``value`` as a float when it lies on the measure's scale: a proportion in [0, 1], or points from 0 to the
    maximum."""
    if measure.is_share:
        return share(value, what)
    number = _number(value, what)
    if not 0.0 <= number <= measure.top:
        top = _text.number_short(measure.top, "en")
        raise ValueError(f"{what} must lie between 0 and {top} points; got {value!r}.")
    return number


def check_measure(value: object) -> Measure:
    if not isinstance(value, Measure):
        raise ValueError(f"The measure must be a surveyapp.numbers.Measure; got {value!r}.")
    return value


def common_measure(items: list[Any]) -> Measure:
    """The measure all ``items`` share (a share when there are none); a chart draws one scale."""
    measures = {item.measure for item in items}
    if len(measures) > 1:
        raise ValueError("A chart draws one scale: its items must all be shares, or all points of one maximum.")
    return measures.pop() if measures else SHARE_MEASURE


def _label(value: object, what: str) -> str:
    if not isinstance(value, str) or not _text.clean(value):
        raise ValueError(f"{what} must be a non-empty text; got {value!r}.")
    return value


def _interval(
    label: str, estimate: object, lower: object, upper: object, measure: Measure = SHARE_MEASURE
) -> tuple[float, float, float]:
    e = on_scale(estimate, f"The estimate of {label!r}", measure)
    lo = on_scale(lower, f"The lower bound of {label!r}", measure)
    hi = on_scale(upper, f"The upper bound of {label!r}", measure)
    if lo > e + _TOLERANCE:
        raise ValueError(f"The lower bound of {label!r} ({lo:g}) is above its estimate ({e:g}).")
    if hi < e - _TOLERANCE:
        raise ValueError(f"The upper bound of {label!r} ({hi:g}) is below its estimate ({e:g}).")
    return e, min(lo, e), max(hi, e)


def safe_href(value: object, label: str) -> str | None:
    """A link target that cannot run script: a relative URL or an http(s) one, without spaces or controls."""
    if value is None:
        return None
    if not isinstance(value, str) or not value or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError(f"The link of {label!r} must be a URL without spaces or control characters; got {value!r}.")
    scheme = _SCHEME.match(value)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise ValueError(f"The link of {label!r} must be a relative or an http(s) URL; got {value!r}.")
    return value


@dataclass(frozen=True)
class IndexItem:
    """One bar of an index bar chart: an element, a criterion or a unit.

    Parameters
    ----------
    label : str
        The name shown beside the bar (data: it is escaped, shortened with an ellipsis when too long).
    estimate, lower, upper : float or None
        The index and its confidence interval, with ``lower <= estimate <= upper``: proportions in [0, 1]
        (the share satisfied), or points from 0 to the maximum when ``measure`` is points. Required unless
        ``no_estimate``.
    n : float or None
        The (effective) sample size, above 0; required unless ``no_estimate``. Shown in the bar's tooltip.
    highlight : bool
        Draw the bar in the accent colour and the label in bold (e.g. the weakest criteria).
    no_estimate : bool
        There is no estimate to show (too few responses, or suppressed): the row reads "không có số liệu"
        / "no data" and has no bar. ``estimate``, ``lower`` and ``upper`` are then not drawn and may be None;
        ``n``, when given, may be 0.
    insufficient : bool
        The estimate exists but fails the reliability rules: like ``no_estimate`` there is no bar, and the row
        reads "chưa đủ phiếu để kết luận" / "too few responses to conclude" with its ``n``.
    measure : surveyapp.numbers.Measure
        What the values measure: a share (default, written ``91,2%``) or mean points out of a maximum
        (``Measure.points(18)``, written ``15,6``). Every item of a chart has the same.

    Raises
    ------
    ValueError
        When a value is missing, off the measure's scale, not finite, or the interval does not contain the
        estimate.
    """

    label: str
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    n: float | None = None
    highlight: bool = field(default=False, kw_only=True)
    no_estimate: bool = field(default=False, kw_only=True)
    insufficient: bool = field(default=False, kw_only=True)
    measure: Measure = field(default=SHARE_MEASURE, kw_only=True)

    def __post_init__(self) -> None:
        label = _label(self.label, "An item's label")
        check_measure(self.measure)
        if self.insufficient:
            object.__setattr__(self, "no_estimate", True)
        if self.no_estimate:
            if self.n is not None and _number(self.n, f"The sample size of {label!r}") < 0:
                raise ValueError(f"The sample size of {label!r} must not be negative; got {self.n!r}.")
            return
        if self.estimate is None or self.lower is None or self.upper is None:
            raise ValueError(
                f"The item {label!r} needs an estimate, a lower and an upper bound; "
                "mark it no_estimate=True when there is none."
            )
        estimate, lower, upper = _interval(label, self.estimate, self.lower, self.upper, self.measure)
        if self.n is None:
            raise ValueError(f"The item {label!r} needs its sample size n.")
        object.__setattr__(self, "n", size(self.n, f"The sample size of {label!r}"))
        object.__setattr__(self, "estimate", estimate)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)


@dataclass(frozen=True)
class FunnelPoint:
    """One unit on a funnel plot.

    Parameters
    ----------
    label : str
        The unit's name (data: escaped; shortened with an ellipsis where it labels the point).
    n : float
        Its sample size, or effective sample size n* for weighted data; above 0.
    estimate : float
        Its share satisfied, in [0, 1].
    status_95, status_998 : {"inside", "above", "below"}
        Where it lies against the 95 % and the 99.8 % limits (as ``scoring.classify_funnel`` reports). A
        unit outside the 99.8 % limits is outside the 95 % limits on the same side.
    href : str, optional
        Where a click on the point leads (a relative or http(s) URL), for drilling down.
    key : str, optional
        An identifier of the unit (e.g. its code), written as the point's ``data-unit`` attribute so that a page
        can find and highlight it.
    short_label : str, optional
        The text written beside the point when it is labelled (e.g. "xã Chiềng Mung" for "Ủy ban nhân dân
        xã Chiềng Mung"); ``label`` by default. The full label stays in the tooltip and the description.
    """

    label: str
    n: float
    estimate: float
    status_95: str
    status_998: str
    href: str | None = None
    short_label: str | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        label = _label(self.label, "A point's label")
        object.__setattr__(self, "n", size(self.n, f"The sample size of {label!r}"))
        object.__setattr__(self, "estimate", share(self.estimate, f"The estimate of {label!r}"))
        for name in ("status_95", "status_998"):
            if getattr(self, name) not in STATUSES:
                raise ValueError(
                    f"The {name} of {label!r} must be 'inside', 'above' or 'below'; got {getattr(self, name)!r}."
                )
        if self.status_998 != INSIDE and self.status_95 != self.status_998:
            raise ValueError(
                f"{label!r} is {self.status_998} the 99.8% limits but {self.status_95} the 95% limits; "
                "the 99.8% limits lie outside the 95% limits."
            )
        object.__setattr__(self, "href", safe_href(self.href, label))
        if self.short_label is not None:
            _label(self.short_label, f"The short label of {label!r}")

    @property
    def category(self) -> str:
        """``inside``, ``above_95``, ``above_998``, ``below_95`` or ``below_998`` (the farthest limit passed)."""
        if self.status_998 != INSIDE:
            return f"{self.status_998}_998"
        if self.status_95 != INSIDE:
            return f"{self.status_95}_95"
        return INSIDE


def _curve(values: Any, name: str, check: Any) -> tuple[float, ...]:
    if isinstance(values, str | bytes):
        raise ValueError(f"The {name} of the funnel limits must be a sequence of numbers, not a text.")
    try:
        items = _to_list(values)
    except TypeError:
        raise ValueError(f"The {name} of the funnel limits must be a sequence of numbers; got {values!r}.") from None
    return tuple(check(v, f"Each {name} of the funnel limits") for v in items)


def _to_list(values: Any) -> list[Any]:
    return list(values.tolist()) if hasattr(values, "tolist") else list(values)


@dataclass(frozen=True)
class FunnelLimitLines:
    """The control-limit curves of a funnel plot, sampled at increasing sample sizes.

    Parameters
    ----------
    n : sequence of float
        Sample sizes, strictly increasing and above 0 (a geometric grid suits both axis scales).
    lower_95, upper_95, lower_998, upper_998 : sequence of float
        The 95 % and 99.8 % limits at each size, proportions with ``lower_998 <= lower_95 <= upper_95 <=
        upper_998``.

    Raises
    ------
    ValueError
        When the sequences differ in length, have fewer than two values, or break the rules above.

    Examples
    --------
    From the scoring library's limits (any object with ``n``, ``levels``, ``lower``, ``upper``):

    >>> from scoring._funnel import funnel_curve
    >>> from surveyapp.charts import FunnelLimitLines
    >>> lines = FunnelLimitLines.from_limits(funnel_curve(20, 2000, num=50))
    >>> len(lines.n)
    50
    """

    n: tuple[float, ...]
    lower_95: tuple[float, ...]
    upper_95: tuple[float, ...]
    lower_998: tuple[float, ...]
    upper_998: tuple[float, ...]

    def __post_init__(self) -> None:
        sizes = _curve(self.n, "sample size", size)
        curves = {name: _curve(getattr(self, name), name, share) for name in ("lower_95", "upper_95")}
        curves |= {name: _curve(getattr(self, name), name, share) for name in ("lower_998", "upper_998")}
        if len(sizes) < 2:
            raise ValueError("The funnel limits need at least two sample sizes.")
        for name, values in curves.items():
            if len(values) != len(sizes):
                raise ValueError(
                    f"The funnel limits have {len(sizes)} sample sizes but {len(values)} values of {name}."
                )
        if any(b <= a for a, b in itertools.pairwise(sizes)):
            raise ValueError("The sample sizes of the funnel limits must be strictly increasing.")
        order = ("lower_998", "lower_95", "upper_95", "upper_998")
        for inner, outer in itertools.pairwise(order):
            if any(a > b + _TOLERANCE for a, b in zip(curves[inner], curves[outer], strict=True)):
                raise ValueError(f"The funnel limits must satisfy {inner} <= {outer} at every sample size.")
        object.__setattr__(self, "n", sizes)
        for name, values in curves.items():
            object.__setattr__(self, name, values)

    @classmethod
    def from_limits(cls, limits: Any) -> FunnelLimitLines:
        """The curves from an object with ``n``, ``levels``, ``lower`` and ``upper`` (``scoring``'s limits).

        Its levels must include 0.95 and 0.998; ``lower`` and ``upper`` have one row per level.
        """
        levels = [float(level) for level in _to_list(limits.levels)]
        rows = {}
        for wanted in (0.95, 0.998):
            matches = [i for i, level in enumerate(levels) if math.isclose(level, wanted, abs_tol=1e-9)]
            if not matches:
                raise ValueError(f"The funnel limits have levels {levels}; the chart needs 0.95 and 0.998.")
            rows[wanted] = matches[0]
        lower, upper = _to_list(limits.lower), _to_list(limits.upper)
        return cls(
            n=_to_list(limits.n),
            lower_95=lower[rows[0.95]],
            upper_95=upper[rows[0.95]],
            lower_998=lower[rows[0.998]],
            upper_998=upper[rows[0.998]],
        )


def funnel_points(
    classification: Any,
    hrefs: Mapping[str, str] | None = None,
    short_labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[FunnelPoint]:
    """Funnel points from a classification (``scoring``'s ``classify_funnel`` result, or any object with
    ``labels``, ``y``, ``n``, ``status`` and ``limits.levels``).

    Parameters
    ----------
    classification : object
        Units' labels, proportions ``y``, sizes ``n`` and ``status`` (one row per level, 0.95 and 0.998
        among them).
    hrefs : mapping of str to str, optional
        A link for each unit label that should have one.
    short_labels : mapping of str to str, optional
        A shorter text to write beside the point, for each unit label that should have one.
    names : mapping of str to str, optional
        The full name to show for each unit label (in the tooltip and the description); the classification's
        label then becomes the point's ``key``.

    Returns
    -------
    list of FunnelPoint
        In the order of the classification.
    """
    levels = [float(level) for level in _to_list(classification.limits.levels)]
    rows = {}
    for wanted in (0.95, 0.998):
        matches = [i for i, level in enumerate(levels) if math.isclose(level, wanted, abs_tol=1e-9)]
        if not matches:
            raise ValueError(f"The classification has levels {levels}; the chart needs 0.95 and 0.998.")
        rows[wanted] = matches[0]
    status = _to_list(classification.status)
    links, shorts = hrefs or {}, short_labels or {}
    return [
        FunnelPoint(
            label=names.get(str(label), str(label)) if names else str(label),
            key=str(label) if names else None,
            n=float(n),
            estimate=float(y),
            status_95=str(status[rows[0.95]][j]),
            status_998=str(status[rows[0.998]][j]),
            href=links.get(str(label)),
            short_label=shorts.get(str(label)),
        )
        for j, (label, y, n) in enumerate(
            zip(_to_list(classification.labels), _to_list(classification.y), _to_list(classification.n), strict=True)
        )
    ]


@dataclass(frozen=True)
class TrendPoint:
    """One period of a trend chart or sparkline.

    Parameters
    ----------
    period : str
        The period's label, e.g. ``"2026-Q1"``; periods are drawn in the order given.
    estimate : float or None
        The share satisfied in [0, 1], or mean points from 0 to the maximum when ``measure`` is points; None
        when the period has no estimate (drawn as a gap).
    lower, upper : float or None
        Its confidence interval; both or neither (then no whisker is drawn).
    n : float or None
        The (effective) sample size, above 0 when given; shown in the tooltip.
    measure : surveyapp.numbers.Measure
        What the values measure (a share by default); every point of a chart has the same.
    reconstructed : bool
        Whether the estimate is reconstructed from the answers at the unit's predecessors (a period before the
        unit existed as it is): drawn as a hollow marker, named in the legend and the tooltip.
    """

    period: str
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    n: float | None = None
    measure: Measure = field(default=SHARE_MEASURE, kw_only=True)
    reconstructed: bool = field(default=False, kw_only=True)

    def __post_init__(self) -> None:
        period = _label(self.period, "A period")
        check_measure(self.measure)
        if self.estimate is None:
            return
        if (self.lower is None) != (self.upper is None):
            raise ValueError(f"The period {period!r} needs both ends of its interval, or neither.")
        if self.lower is None:
            object.__setattr__(self, "estimate", on_scale(self.estimate, f"The estimate of {period!r}", self.measure))
        else:
            estimate, lower, upper = _interval(period, self.estimate, self.lower, self.upper, self.measure)
            object.__setattr__(self, "estimate", estimate)
            object.__setattr__(self, "lower", lower)
            object.__setattr__(self, "upper", upper)
        if self.n is not None:
            object.__setattr__(self, "n", size(self.n, f"The sample size of {period!r}"))
