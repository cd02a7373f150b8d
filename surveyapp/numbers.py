"""Numbers as the interface language writes them, without Flask: shared by pages, charts and PDF reports.

Every estimate is shown in the unit of what it measures (its :class:`Measure`): a share as a percentage
(``91,2%`` in Vietnamese, ``91.2%`` in English), the mean points of a case evaluation as points out of the
questionnaire's maximum (``15,6 / 18 điểm``, ``15.6 / 18 points``). Differences of shares are percentage points
(``+1,3 điểm %``), differences of points are points (``+0,4 điểm``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

#: Decimal marks of the interface languages, so that the commonest formatting needs no locale lookup.
DECIMAL_MARK = {"vi": ",", "en": "."}
#: The text of a missing number.
MISSING = "–"
#: The sign of a negative difference on pages (U+2212), and in PDF reports, whose font (Noto Sans) lacks it: the
#: hyphen-minus.
MINUS, ASCII_MINUS = "\u2212", "-"

SHARE, POINTS = "share", "points"
_POINTS_WORD = {"vi": "điểm", "en": "points"}
_PERCENTAGE_POINTS = {"vi": "điểm %", "en": "pp"}


@dataclass(frozen=True)
class Measure:
    """What an index measures, and so how its numbers are written.

    ``kind`` is ``"share"`` (a proportion in [0, 1], written as a percentage) or ``"points"`` (a mean of points
    between 0 and ``maximum``, written as a number of points). ``top`` is the largest possible value.
    """

    kind: str = SHARE
    maximum: float | None = None

    def __post_init__(self) -> None:
        if self.kind == SHARE:
            if self.maximum is not None:
                raise ValueError("A share has no maximum of points.")
        elif self.kind == POINTS:
            if self.maximum is None or not math.isfinite(self.maximum) or self.maximum <= 0:
                raise ValueError(f"Points need a positive maximum; got {self.maximum!r}.")
        else:
            raise ValueError(f"A measure is a 'share' or 'points'; got {self.kind!r}.")

    @classmethod
    def points(cls, maximum: float) -> Measure:
        return cls(POINTS, float(maximum))

    @property
    def is_share(self) -> bool:
        return self.kind == SHARE

    @property
    def top(self) -> float:
        """The largest value: 1 for a share, the maximum of points."""
        return 1.0 if self.maximum is None else self.maximum

    def clip(self, value: float) -> float:
        """``value`` within the measure's range, from 0 to :attr:`top`."""
        return min(max(value, 0.0), self.top)


#: The measure of every SIPAS and rating index.
SHARE_MEASURE = Measure()


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def format_number(value: float | None, language: str = "vi", digits: int = 1) -> str:
    """A plain number with ``digits`` decimals in the language's style: ``15,6`` / ``15.6``; ``–`` when missing."""
    if _missing(value):
        return MISSING
    mark = DECIMAL_MARK.get(language)
    if mark is not None and abs(value) < 1000:
        return f"{value:.{digits}f}".replace(".", mark)
    return format_decimal(value, format=f"#,##0.{'0' * digits}" if digits else "#,##0", locale=language)


def format_short(value: float | None, language: str = "vi", digits: int = 2) -> str:
    """A number with as few decimals as it needs, up to ``digits``: ``18``, ``16,5``, ``0,05``."""
    if _missing(value):
        return MISSING
    for places in range(digits + 1):
        if math.isclose(value, round(value, places), abs_tol=1e-9):
            return format_number(value, language, places)
    return format_number(value, language, digits)


def format_percent(value: float | None, language: str = "vi", digits: int = 1) -> str:
    """``0.912`` → ``91,2%`` in Vietnamese, ``91.2%`` in English; ``None`` or NaN → an en dash."""
    if _missing(value):
        return MISSING
    mark = DECIMAL_MARK.get(language)
    if mark is not None and abs(value) < 10:
        return f"{value * 100:.{digits}f}".replace(".", mark) + "%"
    number = format_decimal(value * 100, format=f"0.{'0' * digits}" if digits else "0", locale=language)
    return f"{number}%"


def format_percent_short(value: float | None, language: str = "vi") -> str:
    """A percentage with as few decimals as it needs, up to two: ``90%``, ``99,8%``, ``92,25%``."""
    if _missing(value):
        return MISSING
    for digits in (0, 1):
        if math.isclose(value * 100, round(value * 100, digits), abs_tol=1e-9):
            return format_percent(value, language, digits)
    return format_percent(value, language, 2)


def format_points(value: float | None, language: str = "vi", digits: int = 1) -> str:
    """A difference of shares in percentage points, signed: ``+1,3 điểm %`` / ``+1.3 pp``."""
    return format_difference(value, SHARE_MEASURE, language, digits)


def format_value(value: float | None, measure: Measure | None = None, language: str = "vi", digits: int = 1) -> str:
    """A value alone, as a table cell or a bar label writes it: ``91,2%`` for a share, ``15,6`` for points."""
    measure = measure or SHARE_MEASURE
    if measure.is_share:
        return format_percent(value, language, digits)
    return format_number(value, language, digits)


def format_estimate(value: float | None, measure: Measure | None = None, language: str = "vi", digits: int = 1) -> str:
    """A value with its unit: ``91,2%`` for a share, ``15,6 / 18 điểm`` (``15.6 / 18 points``) for points."""
    measure = measure or SHARE_MEASURE
    if measure.is_share or _missing(value):
        return format_value(value, measure, language, digits)
    return f"{format_number(value, language, digits)} / {format_scale_top(measure, language)}"


def format_scale_top(measure: Measure, language: str = "vi") -> str:
    """The top of the measure's scale with its unit: ``100%``, ``18 điểm`` (``18 points``)."""
    if measure.is_share:
        return format_percent_short(1.0, language)
    return f"{format_short(measure.top, language)} {_POINTS_WORD.get(language, _POINTS_WORD['en'])}"


def format_tick(value: float, measure: Measure | None = None, language: str = "vi") -> str:
    """An axis tick, as short as it can be: ``90%``, ``99,8%``; ``16``, ``16,5``."""
    measure = measure or SHARE_MEASURE
    if measure.is_share:
        return format_percent_short(value, language)
    return format_short(value, language)


def shown_interval(estimate: Any, measure: Measure | None = None) -> tuple[float, float] | None:
    """The interval to show for ``estimate`` (an object with ``estimate``, ``lower``, ``upper`` and ``df``, such
    as :class:`scoring.Estimate`), within the measure's range; ``None`` when there is none to show.

    There is none when the estimate or an end is missing, or for a mean of points without degrees of freedom
    (as many responses as strata, e.g. one response): its t interval has zero width by construction, which
    would claim a precision the data do not have. Shares from one response keep their interval, which is wide.
    A t interval of a mean that reaches beyond the scale (two responses far apart) is cut at 0 and the maximum:
    the true mean lies there, so the cut interval covers it at least as often.
    """
    measure = measure or SHARE_MEASURE
    value, lower, upper = (getattr(estimate, name, None) for name in ("estimate", "lower", "upper"))
    if estimate is None or _missing(value) or _missing(lower) or _missing(upper):
        return None
    if not measure.is_share and not getattr(estimate, "df", 1) >= 1:
        return None
    return measure.clip(lower), measure.clip(upper)


def format_interval_of(
    estimate: Any, measure: Measure | None = None, language: str = "vi", separator: str = "–", digits: int = 1
) -> str:
    """The interval of ``estimate`` as :func:`format_interval` writes it, or ``""`` when :func:`shown_interval`
    finds none to show."""
    measure = measure or SHARE_MEASURE
    bounds = shown_interval(estimate, measure)
    if bounds is None:
        return ""
    return format_interval(*bounds, measure, language, separator, digits)


def format_interval(
    lower: float | None,
    upper: float | None,
    measure: Measure | None = None,
    language: str = "vi",
    separator: str = "–",
    digits: int = 1,
) -> str:
    """Both ends of an interval: ``89,0%–93,1%`` for a share, ``15,1–16,1`` for points; ``–`` when an end is
    missing (an estimate from a single response has no interval)."""
    measure = measure or SHARE_MEASURE
    if _missing(lower) or _missing(upper):
        return MISSING
    low, high = (format_value(end, measure, language, digits) for end in (lower, upper))
    return f"{low}{separator}{high}"


def format_difference(
    value: float | None,
    measure: Measure | None = None,
    language: str = "vi",
    digits: int = 1,
    *,
    unit: bool = True,
    minus: str = MINUS,
) -> str:
    """A signed difference in the measure's unit: ``+1,3 điểm %`` / ``+1.3 pp`` between shares, ``−0,4 điểm`` /
    ``−0.4 points`` between points; ``±0,0`` when it rounds to nothing and ``–`` when missing. ``unit=False``
    leaves the unit out (``+1,3``, for a table whose heading names it); ``minus`` is the sign of a negative
    difference (:data:`ASCII_MINUS` in PDF reports)."""
    measure = measure or SHARE_MEASURE
    if _missing(value):
        return MISSING
    scaled = value * 100 if measure.is_share else value
    number = format_number(abs(scaled), language, digits)
    sign = "+" if value > 0 else minus if value < 0 else "±"
    if number.strip("0,.") == "":
        sign = "±"
    if not unit:
        return f"{sign}{number}"
    words = _PERCENTAGE_POINTS if measure.is_share else _POINTS_WORD
    return f"{sign}{number} {words.get(language, words['en'])}"
