"""The trend chart and the sparkline: one unit's share satisfied over ordered periods."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element  # nosec B405  # builds SVG, never parses XML

from babel.dates import get_month_names

from surveyapp.charts import _scale, _svg, _text
from surveyapp.charts._data import TrendPoint, common_measure, on_scale, open_share
from surveyapp.numbers import Measure

_CAP = 8.0
_MARKER = 4.5


def trend_chart(
    points: Sequence[TrendPoint],
    *,
    language: str = "vi",
    target: float | None = 0.9,
    level: float = 0.95,
    title: str | None = None,
    width: float = _svg.DEFAULT_WIDTH,
) -> str:
    """The share satisfied (or mean points) over periods, with confidence intervals as whiskers and the target line.

    Parameters
    ----------
    points : sequence of TrendPoint
        One per period, in time order, including periods without an estimate: those are drawn as a shaded
        gap marked "không có số liệu" / "no data", and the line is broken there, never drawn across. All on
        one scale (their ``measure``): shares, or points of one maximum.
    language : {"vi", "en"}
        Language of the fixed text and of the number format.
    target : float or None
        The target share, drawn as a dashed line labelled in the right margin; None draws none. A target is a
        share: a trend of points takes none.
    level : float
        The confidence level of the intervals, for the legend.
    title : str, optional
        The accessible name; by default "Tỷ lệ hài lòng theo kỳ" / "Share satisfied by period".
    width : float
        Width of the viewBox, 320 to 1200 units.

    Returns
    -------
    str
        An SVG document. Every estimate carries its value when there is room for all of them, else only the
        latest does. With no periods, a chart saying "Không có số liệu" / "No data".

    Raises
    ------
    ValueError
        For an unknown language, a target or level outside (0, 1), a target with points, points on different
        scales, a width out of range, or a period given twice.

    Notes
    -----
    The y axis is fitted to the estimates and their intervals: it ends at 100 % and starts 2.5 points below the
    lowest of them (and at least 5 points below the target), rounded down to its tick step of 5, 10 or 20
    points. A line's position, not its length, carries the value, so the axis need not start at 0. An axis of
    points ends at the maximum and starts 2.5 % of the scale below the lowest value, rounded down to a step
    that gives at most eight ticks.

    Examples
    --------
    >>> from surveyapp.charts import TrendPoint, trend_chart
    >>> svg = trend_chart([
    ...     TrendPoint("2026-Q1", 0.874, 0.85, 0.895, n=380),
    ...     TrendPoint("2026-Q2"),
    ...     TrendPoint("2026-Q3", 0.912, 0.89, 0.931, n=402),
    ... ])
    >>> "không có số liệu" in svg and "91,2%" in svg
    True
    """
    language = _text.check_language(language)
    points = _check_points(points)
    measure = common_measure(points)
    if target is not None:
        if not measure.is_share:
            raise ValueError("A target is a share: a trend of points takes none (target=None).")
        target = open_share(target, "The target")
    level = open_share(level, "The confidence level")
    width = _svg.check_width(width)
    default_title = "trend_title" if measure.is_share else "points_trend_title"
    name = _text.clean(title) if title else _text.phrase(language, default_title)
    if not points:
        return _svg.no_data(width, name, language, "trend")
    layout = _Trend(points, language, target, level, width, measure)
    return _svg.finish(layout.draw(), name, _describe(points, language, target, level, measure))


def sparkline(
    points: Sequence[TrendPoint],
    *,
    language: str = "vi",
    target: float | None = 0.9,
    domain: tuple[float, float] | None = None,
    title: str | None = None,
    width: float = 80.0,
    height: float = 20.0,
) -> str:
    """A word-sized line of the share satisfied over periods, for a table cell.

    Parameters
    ----------
    points : sequence of TrendPoint
        One per period, in time order; a period without an estimate breaks the line.
    language : {"vi", "en"}
        Language of the description and its numbers.
    target : float or None
        Drawn as a dotted line (a share: points take none).
    domain : (float, float), optional
        The values at the bottom and the top of the line's box: by default 70 % to 100 %, or 0 to the maximum
        for points. Keep it the same down a table column so that rows compare; its lower end is lowered (to a
        10 % step of the scale) when an estimate lies below it, never cut.
    title : str, optional
        The accessible name; by default "Xu hướng tỷ lệ hài lòng" / "Trend of the share satisfied".
    width, height : float
        Size in CSS pixels (the SVG has these as its width and height, not ``100%``).

    Returns
    -------
    str
        An SVG document without text; its ``<desc>`` lists every period's value.

    Examples
    --------
    >>> from surveyapp.charts import TrendPoint, sparkline
    >>> svg = sparkline([TrendPoint("2026-Q1", 0.874), TrendPoint("2026-Q2", 0.903)])
    >>> "87,4%" in svg
    True
    """
    language = _text.check_language(language)
    points = _check_points(points)
    measure = common_measure(points)
    if target is not None:
        if not measure.is_share:
            raise ValueError("A target is a share: a trend of points takes none (target=None).")
        target = open_share(target, "The target")
    if domain is None:
        domain = (0.7, 1.0) if measure.is_share else (0.0, measure.top)
    low = on_scale(domain[0], "The lower end of the domain", measure)
    high = on_scale(domain[1], "The upper end of the domain", measure)
    if low >= high:
        raise ValueError(f"The domain must run from a lower to a higher share; got {domain!r}.")
    for value, what in ((width, "width"), (height, "height")):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 8 <= value <= 400:
            raise ValueError(f"The sparkline's {what} must be between 8 and 400 pixels; got {value!r}.")
    name = (
        _text.clean(title)
        if title
        else _text.phrase(language, "sparkline_title" if measure.is_share else "points_sparkline_title")
    )
    values = [p.estimate for p in points if p.estimate is not None]
    if values and min(values) < low:
        low = _scale.floor_to(min(values), 0.1 * measure.top)
    root = _svg.start(float(width), float(height), "sparkline", size=(float(width), float(height)))
    pad = 2.5
    x = _scale.Linear(-0.5, max(len(points), 1) - 0.5, pad, width - pad)
    y = _scale.Linear(low, high, height - pad, pad)
    if target is not None and low < target < high:
        _svg.line(root, pad, y(target), width - pad, y(target), _svg.GREY, 1.0, "1 2", css_class="target")
    runs = _runs(points)
    path = "".join(_svg.polyline_path([(x(i), y(points[i].estimate)) for i in run]) for run in runs if len(run) > 1)
    if path:
        attrs = {"d": path, "fill": "none", "stroke": _svg.BLUE, "stroke-width": 1.5, "stroke-linejoin": "round"}
        _svg.sub(root, "path", {"class": "trend-line", **attrs})
    for run in runs:
        if len(run) == 1 or run[-1] == len(points) - 1:  # an isolated estimate, and the latest one
            i = run[-1]
            _svg.sub(root, "circle", {"cx": x(i), "cy": y(points[i].estimate), "r": 2, "fill": _svg.BLUE})
    parts = [
        f"{_text.clean(p.period)}: "
        + (
            _text.with_unit(p.estimate, measure, language)
            if p.estimate is not None
            else _text.phrase(language, "no_estimate")
        )
        for p in points
    ]
    description = "; ".join(parts) + "." if parts else _text.phrase(language, "no_data") + "."
    return _svg.finish(root, name, description)


def _check_points(points: Sequence[TrendPoint]) -> list[TrendPoint]:
    points = list(points)
    if not all(isinstance(point, TrendPoint) for point in points):
        raise ValueError("Trend charts take TrendPoint objects.")
    seen: set[str] = set()
    for point in points:
        if point.period in seen:
            raise ValueError(f"The period {point.period!r} is given twice.")
        seen.add(point.period)
    return points


def _runs(points: list[TrendPoint]) -> list[list[int]]:
    """Indices of consecutive periods with an estimate: the line is drawn within a run, never across a gap."""
    runs: list[list[int]] = []
    previous = False
    for i, point in enumerate(points):
        if point.estimate is None:
            previous = False
            continue
        if previous:
            runs[-1].append(i)
        else:
            runs.append([i])
        previous = True
    return runs


@dataclass
class _Trend:
    points: list[TrendPoint]
    language: str
    target: float | None
    level: float
    width: float
    measure: Measure

    def draw(self) -> Element:
        language, small, measure = self.language, _svg.FONT_SMALL, self.measure
        high = measure.top
        values = [v for p in self.points for v in (p.estimate, p.lower) if v is not None]
        if measure.is_share:
            y_low, y_step = _scale.share_axis(values, self.target if self.target is not None else 1.0)
        else:
            y_low, y_step = _scale.points_axis(values, high)
        y_ticks = _scale.share_ticks(y_low, high, y_step)
        tick_width = max(_text.text_width(_text.tick(t, measure, language), small) for t in y_ticks)
        target_text = _text.phrase(language, "target_short") if self.target is not None else ""
        x0 = _svg.MARGIN + tick_width + 6
        x1 = self.width - _svg.MARGIN - _text.text_width(target_text, small) - 8
        top = _svg.MARGIN + _svg.LINE + 14
        bottom = top + round(self.width * 0.42)
        pitch = (x1 - x0) / len(self.points)
        x = _scale.Linear(-0.5, len(self.points) - 0.5, x0, x1)
        y = _scale.Linear(y_low, high, bottom, top)

        ticks = self._period_ticks(pitch, small)
        entries = self._legend()
        tick_lines = max(len(lines) for _, lines in ticks)
        legend_top = bottom + 4 + small + (tick_lines - 1) * _svg.LINE + 16
        legend_rows = len(_svg.legend_rows(entries, self.width - 2 * _svg.MARGIN))
        height = legend_top + (legend_rows - 0.5) * _svg.LINE + _svg.MARGIN
        root = _svg.start(self.width, height, "trend")

        # Gaps first, under everything.
        gaps = _svg.sub(root, "g", {"class": "gaps"})
        no_estimate = _text.phrase(language, "no_estimate")
        for i, point in enumerate(self.points):
            if point.estimate is not None:
                continue
            gap = _svg.sub(gaps, "g", {"class": "gap"})
            _svg.title(gap, f"{_text.clean(point.period)}: {no_estimate}")
            band = {"x": x(i) - pitch * 0.4, "y": top, "width": pitch * 0.8, "height": bottom - top}
            _svg.sub(gap, "rect", {**band, "fill": _svg.GAP_FILL})
            if _text.text_width(no_estimate, small) <= bottom - top - 8 and pitch * 0.8 >= small + 4:
                cx, cy = x(i) + small * 0.35, (top + bottom) / 2
                label = _svg.text(gap, cx, cy, no_estimate, size=small, anchor="middle", italic=True, fill=_svg.MUTED)
                label.set("transform", f"rotate(-90 {_svg.num(cx)} {_svg.num(cy)})")

        grid = _svg.sub(root, "g", {"class": "grid", "stroke": _svg.GRID, "stroke-width": 1})
        axis = _svg.sub(root, "g", {"class": "axis", "font-size": small, "fill": _svg.MUTED})
        for tick in y_ticks:
            _svg.line(grid, x0, y(tick), x1, y(tick), _svg.GRID)
            label = _text.tick(tick, measure, language)
            _svg.text(axis, x0 - 6, y(tick) + small * 0.35, label, anchor="end", css_class="tick y-tick")
        _svg.line(root, x0, bottom, x1, bottom, _svg.AXIS, 1.0, css_class="baseline")
        for i, lines in ticks:
            _svg.text(axis, x(i), bottom + 4 + small, lines, anchor="middle", css_class="tick x-tick")
        _svg.text(
            root,
            _svg.MARGIN,
            _svg.MARGIN + small,
            _text.scale_name(measure, language),
            size=small,
            css_class="axis-title y-title",
        )

        if self.target is not None:
            target_y = y(self.target)
            dash = _svg.TARGET_DASH
            _svg.line(root, x0, target_y, x1, target_y, _svg.INK, _svg.TARGET_STROKE, dash, css_class="target")
            _svg.text(root, x1 + 6, target_y + small * 0.35, target_text, size=small, css_class="target-label")

        runs = _runs(self.points)
        path = "".join(
            _svg.polyline_path([(x(i), y(self.points[i].estimate)) for i in run]) for run in runs if len(run) > 1
        )
        if path:
            line = {"d": path, "fill": "none", "stroke": _svg.BLUE, "stroke-width": 2, "stroke-linejoin": "round"}
            _svg.sub(root, "path", {"class": "trend-line", **line})

        shown = [i for i, p in enumerate(self.points) if p.estimate is not None]
        widths = [_text.text_width(_text.value(self.points[i].estimate, measure, language), small) for i in shown]
        label_all = bool(widths) and max(widths) + 6 <= pitch
        layer = _svg.sub(root, "g", {"class": "estimates"})
        for i in shown:
            point = self.points[i]
            group = _svg.sub(layer, "g", {"class": "estimate"})
            _svg.title(group, self._tooltip(point))
            cx, cy = x(i), y(point.estimate)
            label_y = cy - 8
            if point.lower is not None and point.upper is not None:
                d = _vertical_whisker(cx, y(point.upper), y(point.lower))
                _svg.sub(
                    group,
                    "path",
                    {"class": "whisker", "d": d, "fill": "none", "stroke": _svg.INK, "stroke-width": 1.25},
                )
                label_y = y(point.upper) - 6
            _svg.sub(
                group,
                "circle",
                {"cx": cx, "cy": cy, "r": _MARKER, "fill": _svg.BLUE, "stroke": _svg.WHITE, "stroke-width": 1.5},
            )
            if label_all or i == shown[-1]:
                if label_y - small < top - 14:  # no room above: write it under the interval
                    low_end = y(point.lower) if point.lower is not None else cy
                    label_y = low_end + 6 + small * 0.8
                value, bold = _text.value(point.estimate, measure, language), i == shown[-1]
                w = _text.text_width(value, small, bold) + 4
                box = {"x": cx - w / 2, "y": label_y - small * 0.95, "width": w, "height": small * 1.25}
                _svg.sub(group, "rect", {**box, "fill": _svg.WHITE, "fill-opacity": 0.85})
                _svg.text(group, cx, label_y, value, size=small, anchor="middle", bold=bold, css_class="value")
        _svg.draw_legend(root, entries, _svg.MARGIN, legend_top, self.width - 2 * _svg.MARGIN)
        return root

    def _period_ticks(self, pitch: float, size: float) -> list[tuple[int, list[str]]]:
        """The labelled periods and their text lines, every one when they fit, else every k-th counted back from
        the latest. ISO quarters and months are written "Q3" / "T7" (Vietnamese) or "Jul" (English) with the year
        under the first label and wherever the year changes; other periods as given."""
        parts = [_period_parts(_text.clean(p.period), self.language) for p in self.points]
        widest = max(_text.text_width(part[0], size) for part in parts)
        step = 1
        while step < len(parts) and widest + 8 > pitch * step:
            step += 1
        chosen = [i for i in range(len(parts)) if (len(parts) - 1 - i) % step == 0]
        ticks: list[tuple[int, list[str]]] = []
        year = None
        for i in chosen:
            label, period_year = parts[i]
            if period_year is None:
                ticks.append((i, [_text.ellipsize(label, pitch * step - 4, size)]))
                continue
            ticks.append((i, [label, period_year] if period_year != year else [label]))
            year = period_year
        return ticks

    def _legend(self) -> list[_svg.LegendEntry]:
        language = self.language
        interval = _text.phrase(language, "interval", level=_text.percent_short(self.level, language))
        entries = [_svg.LegendEntry(_whisker_symbol, interval)]
        if self.target is not None:
            target = _text.phrase(language, "target", value=_text.percent_short(self.target, language))
            entries.append(_svg.LegendEntry(_target_symbol, target))
        if any(p.estimate is None for p in self.points):
            entries.append(_svg.LegendEntry(_gap_symbol, _text.phrase(language, "no_data")))
        return entries

    def _tooltip(self, point: TrendPoint) -> str:
        language = self.language
        measure = self.measure
        text = f"{_text.clean(point.period)}: {_text.with_unit(point.estimate, measure, language)}"
        details = []
        if point.lower is not None and point.upper is not None:
            lower, upper = _text.value(point.lower, measure, language), _text.value(point.upper, measure, language)
            details.append(
                _text.phrase(language, "ci", level=_text.percent_short(self.level, language), lower=lower, upper=upper)
            )
        if point.n is not None:
            details.append(_text.phrase(language, "n", n=_text.count(point.n, language)))
        return f"{text} ({'; '.join(details)})" if details else text


_PERIOD = re.compile(r"^(\d{4})-(Q[1-4]|H[12]|0[1-9]|1[0-2])$")


def _period_parts(period: str, language: str) -> tuple[str, str | None]:
    """An ISO quarter, half or month as its part within the year and the year; any other period as it is."""
    match = _PERIOD.match(period)
    if not match:
        return period, None
    year, part = match.groups()
    if part.isdigit():
        month = int(part)
        part = f"T{month}" if language == "vi" else get_month_names("abbreviated", locale=language)[month]
    return part, year


def _vertical_whisker(x: float, high: float, low: float) -> str:
    cap, num = _CAP / 2, _svg.num
    return (
        f"M{num(x - cap)} {num(high)}H{num(x + cap)}"
        f"M{num(x)} {num(high)}V{num(low)}"
        f"M{num(x - cap)} {num(low)}H{num(x + cap)}"
    )


def _whisker_symbol(parent: Element, x: float, y: float) -> None:
    _svg.sub(
        parent,
        "path",
        {"d": _vertical_whisker(x, y - 7, y + 7), "fill": "none", "stroke": _svg.INK, "stroke-width": 1.25},
    )
    _svg.sub(
        parent, "circle", {"cx": x, "cy": y, "r": _MARKER, "fill": _svg.BLUE, "stroke": _svg.WHITE, "stroke-width": 1.5}
    )


def _target_symbol(parent: Element, x: float, y: float) -> None:
    _svg.line(parent, x - 10, y, x + 10, y, _svg.INK, _svg.TARGET_STROKE, _svg.TARGET_DASH)


def _gap_symbol(parent: Element, x: float, y: float) -> None:
    _svg.sub(parent, "rect", {"x": x - 7, "y": y - 8, "width": 14, "height": 16, "fill": _svg.GAP_FILL})


def _describe(points: list[TrendPoint], language: str, target: float | None, level: float, measure: Measure) -> str:
    lv = _text.percent_short(level, language)
    goal = _text.percent_short(target, language) if target is not None else None
    shown = [p for p in points if p.estimate is not None]
    missing = [_text.clean(p.period) for p in points if p.estimate is None]
    first, last = _text.clean(points[0].period), _text.clean(points[-1].period)
    what = _text.scale_name(measure, language)
    if shown:
        first_value = _text.with_unit(shown[0].estimate, measure, language)
        last_value = _text.with_unit(shown[-1].estimate, measure, language)
    if language == "vi":
        goal_text = f" và mục tiêu {goal}" if goal is not None else ""
        parts = [
            f"Biểu đồ đường: {what.lower()} qua {len(points)} kỳ, từ {first} đến {last}, với khoảng tin cậy "
            f"{lv}{goal_text}."
        ]
        if shown:
            parts.append(
                f"Kỳ đầu có số liệu ({_text.clean(shown[0].period)}): {first_value}; "
                f"kỳ cuối ({_text.clean(shown[-1].period)}): {last_value}."
            )
        if missing:
            parts.append(f"Không có số liệu: {', '.join(missing)}.")
        return " ".join(parts)
    noun = "period" if len(points) == 1 else "periods"
    goal_text = f" and the {goal} target" if goal is not None else ""
    what = what[:1].lower() + what[1:]
    parts = [
        f"Line chart of the {what} over {len(points)} {noun}, from {first} to {last}, with {lv} "
        f"confidence intervals{goal_text}."
    ]
    if shown:
        parts.append(
            f"First period with data ({_text.clean(shown[0].period)}): {first_value}; "
            f"latest ({_text.clean(shown[-1].period)}): {last_value}."
        )
    if missing:
        parts.append(f"No data: {', '.join(missing)}.")
    return " ".join(parts)
