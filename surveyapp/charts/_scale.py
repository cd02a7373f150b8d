"""Scales from data to viewBox coordinates, the rules for axis ranges, and tick positions."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_EPS = 1e-9


@dataclass(frozen=True)
class Linear:
    """Maps the domain [d0, d1] linearly onto the range [r0, r1]."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        return self.r0 + (value - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)


@dataclass(frozen=True)
class Log:
    """Maps the domain [d0, d1] (both > 0) onto [r0, r1] on a base-10 logarithmic scale."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        span = math.log10(self.d1) - math.log10(self.d0)
        return self.r0 + (math.log10(value) - math.log10(self.d0)) / span * (self.r1 - self.r0)


def floor_to(value: float, step: float) -> float:
    """The largest multiple of ``step`` not above ``value`` (tolerant of rounding: 0.5 stays 0.5)."""
    return math.floor(value / step + _EPS) * step


def share_ticks(low: float, high: float, step: float) -> list[float]:
    """The multiples of ``step`` from ``low`` to ``high`` inclusive, rounded (no 0.30000000000000004)."""
    first = math.ceil(low / step - _EPS)
    last = math.floor(high / step + _EPS)
    return [round(i * step, 6) for i in range(first, last + 1)]


def bar_axis_min(values: Iterable[float], target: float) -> tuple[float, float]:
    """The left end of an index bar chart's axis and its tick step.

    The axis starts at 50 % unless an interval's lower end or the target lies lower; it then starts at the
    10 % step below the lowest of them (a 20 % step when the axis would span more than 60 points), so that no
    interval is cut.
    """
    lowest = min([0.5, target, *values])
    start = floor_to(lowest, 0.1)
    if 1.0 - start > 0.6 + _EPS:
        return floor_to(lowest, 0.2), 0.2
    return start, 0.1


def share_axis(values: Iterable[float], target: float, pad: float = 0.025) -> tuple[float, float]:
    """The lower end and tick step of a share axis fitted to the data (trend and funnel plots).

    The axis reaches ``pad`` below the lowest value (and 5 points below the target, so that the target line
    never lies on the axis), rounded down to its tick step, and ends at 100 %. Ticks are every 5 points when
    the axis spans 30 points or less, every 10 up to 60 points, else every 20.
    """
    lowest = max(0.0, min([target - 0.05, *(value - pad for value in values)]))
    span = 1.0 - lowest
    step = 0.05 if span <= 0.3 + _EPS else 0.1 if span <= 0.6 + _EPS else 0.2
    return floor_to(lowest, step), step


#: Tick steps of a points axis, densest first.
_POINT_STEPS = (0.5, 1.0, 2.0, 3.0, 5.0, 6.0, 9.0, 10.0, 12.0, 15.0, 20.0, 25.0, 50.0, 100.0)


def point_steps(top: float) -> list[float]:
    """Tick steps of a points axis up to ``top``, densest first: those that divide ``top`` (so that the maximum
    is a tick) when any does, else every step; at most 40 ticks."""
    usable = [step for step in _POINT_STEPS if top / step <= 40 + _EPS]
    dividing = [step for step in usable if abs(top / step - round(top / step)) < 1e-6]
    return dividing or usable or [top]


def points_axis(values: Iterable[float], top: float, pad: float = 0.025) -> tuple[float, float]:
    """The lower end and tick step of a points axis fitted to the data (trend), ending at ``top``.

    Like :func:`share_axis`: the axis reaches ``pad`` of the scale below the lowest value, rounded down to its
    step, the densest of :func:`point_steps` that gives at most eight ticks.
    """
    lowest = max(0.0, min([top, *(value - pad * top for value in values)]))
    steps = point_steps(top)
    for step in steps:
        low = floor_to(lowest, step)
        if (top - low) / step <= 8 + _EPS:
            return low, step
    return 0.0, steps[-1]


def linear_ticks(high: float, fits: Callable[[list[float]], bool]) -> list[float]:
    """Whole-number ticks from 0 to at most ``high``, every 1, 2, 2.5 or 5 × 10^k: the densest whose labels
    ``fits``."""
    candidates: list[list[float]] = []
    exponent = math.floor(math.log10(high)) if high > 0 else 0
    for power in range(exponent - 2, exponent + 1):
        for mantissa in (1.0, 2.0, 2.5, 5.0):
            step = mantissa * 10.0**power
            count = math.floor(high / step + _EPS)
            if 2 <= count <= 12 and step >= 1:
                candidates.append([round(i * step, 6) for i in range(count + 1)])
    candidates.sort(key=len, reverse=True)
    for ticks in candidates:
        if fits(ticks):
            return ticks
    return [0.0, high]


#: Mantissas per decade of a logarithmic axis, densest first.
_LOG_SETS = ((1.0, 1.5, 2.0, 3.0, 5.0, 7.0), (1.0, 2.0, 5.0), (1.0, 3.0), (1.0,))


def log_ticks(low: float, high: float, fits: Callable[[list[float]], bool]) -> list[float]:
    """Ticks within [low, high] at 1-2-5 style values per decade: the densest set whose labels ``fits``."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    sparsest: list[float] = []
    for mantissas in _LOG_SETS:
        ticks = [
            m * 10.0**p
            for p in range(first, last + 1)
            for m in mantissas
            if low - _EPS <= m * 10.0**p <= high + _EPS and m * 10.0**p >= 1
        ]
        if len(ticks) >= 2 and fits(ticks):
            return ticks
        sparsest = ticks or sparsest
    return sparsest[:1]
