"""The funnel plot: units' shares satisfied against their sample sizes, within control limits around the target."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Literal
from xml.etree.ElementTree import Element  # nosec B405  # builds SVG, never parses XML

from surveyapp.charts import _scale, _svg, _text
from surveyapp.charts._data import INSIDE, FunnelLimitLines, FunnelPoint, open_share
from surveyapp.charts._labels import Box, Request, place_labels

#: Point categories, from the lowest to the highest; each has a shape, a colour and a fill.
CATEGORIES = ("below_998", "below_95", INSIDE, "above_95", "above_998")
_STYLE = {
    "below_998": (_svg.TRIANGLE_DOWN, _svg.VERMILLION, _svg.VERMILLION, None),
    "below_95": (_svg.TRIANGLE_DOWN, _svg.VERMILLION, _svg.WHITE, None),
    INSIDE: (_svg.CIRCLE, _svg.GREY, _svg.GREY, 0.25),
    "above_95": (_svg.TRIANGLE_UP, _svg.BLUE, _svg.WHITE, None),
    "above_998": (_svg.TRIANGLE_UP, _svg.BLUE, _svg.BLUE, None),
}
#: Drawing order: points inside the limits first, the farthest out last (on top).
_DRAW_ORDER = {INSIDE: 0, "above_95": 1, "below_95": 2, "above_998": 3, "below_998": 4}
_LIMIT_STYLE = {"95": (1.2, None), "998": (1.5, "1.5 2.5")}

_MARKER = 5.0
_PAD = 1.3  # a log axis reaches this factor beyond the smallest and the largest sample size
_LABEL_MAX = 150.0  # point labels longer than this are shortened

LabelPoints = Literal["below", "outside", "all", "none"]


def funnel_plot(
    points: Sequence[FunnelPoint],
    limits: FunnelLimitLines,
    *,
    target: float = 0.9,
    language: str = "vi",
    effective: bool = False,
    x_scale: Literal["log", "linear"] = "log",
    label_points: LabelPoints = "below",
    title: str | None = None,
    width: float = _svg.DEFAULT_WIDTH,
) -> str:
    """A funnel plot: each unit's share satisfied by its sample size, with the 95 % and 99.8 % control limits.

    Parameters
    ----------
    points : sequence of FunnelPoint
        The units, with their status against the limits (from ``scoring.classify_funnel``; see
        :func:`funnel_points`).
    limits : FunnelLimitLines
        The limit curves (from ``scoring.funnel_curve``; see :meth:`FunnelLimitLines.from_limits`). They are
        drawn where they overlap the x axis, which spans the points' sample sizes: compute them over at least
        ``min(n) / 1.3`` to ``max(n) * 1.3`` (log scale) or 1 to ``max(n) * 1.05`` (linear).
    target : float
        The target the limits surround, drawn as a dashed line.
    language : {"vi", "en"}
        Language of the fixed text and the number format.
    effective : bool
        Whether ``n`` are effective sample sizes n* of weighted data (only the axis title changes).
    x_scale : {"log", "linear"}
        The sample-size axis. Logarithmic by default: sample sizes of agencies span two orders of magnitude, and
        on a log axis every doubling of n gets the same room, so small units are not crowded into the wide
        mouth of the funnel. The axis title says which scale is used.
    label_points : {"below", "outside", "all", "none"}
        Which points carry their label: those below the 95 % limit (default), those outside it on either
        side, all, or none. Labels are placed where they overlap no other label; one that finds no room is
        left out (every point keeps its name in its tooltip, and the description lists the points outside).
    title : str, optional
        The accessible name; by default "Biểu đồ phễu: tỷ lệ hài lòng theo cỡ mẫu".
    width : float
        Width of the viewBox, 320 to 1200 units.

    Returns
    -------
    str
        An SVG document; points with an ``href`` are links (``<a href>``). With no points, a chart saying
        "Không có số liệu" / "No data".

    Raises
    ------
    ValueError
        For an unknown language, scale or labelling choice, a target outside (0, 1) or a width out of range.

    Examples
    --------
    >>> from surveyapp.charts import FunnelLimitLines, funnel_plot, funnel_points
    >>> from scoring._funnel import classify_funnel, funnel_curve
    >>> units = classify_funnel([0.93, 0.81, 0.9], [120, 300, 800], labels=["A", "B", "C"])
    >>> svg = funnel_plot(funnel_points(units), FunnelLimitLines.from_limits(funnel_curve(50, 1500)))
    >>> "Dưới giới hạn 99,8%" in svg
    True
    """
    language = _text.check_language(language)
    target = open_share(target, "The target")
    width = _svg.check_width(width)
    if x_scale not in ("log", "linear"):
        raise ValueError(f"The sample-size axis is 'log' or 'linear'; got {x_scale!r}.")
    if label_points not in ("below", "outside", "all", "none"):
        raise ValueError(f"Points to label are 'below', 'outside', 'all' or 'none'; got {label_points!r}.")
    if not isinstance(limits, FunnelLimitLines):
        raise ValueError("The funnel limits must be a FunnelLimitLines.")
    points = list(points)
    if not all(isinstance(point, FunnelPoint) for point in points):
        raise ValueError("The funnel plot takes FunnelPoint objects.")
    name = _text.clean(title) if title else _text.phrase(language, "funnel_title")
    if not points:
        return _svg.no_data(width, name, language, "funnel")
    plot = _Funnel(points, limits, target, language, effective, x_scale == "log", label_points, width)
    return _svg.finish(plot.draw(), name, _describe(points, language, target))


class _Funnel:
    def __init__(
        self,
        points: list[FunnelPoint],
        limits: FunnelLimitLines,
        target: float,
        language: str,
        effective: bool,
        log: bool,
        label_points: str,
        width: float,
    ) -> None:
        self.points, self.limits, self.target, self.language = points, limits, target, language
        self.effective, self.log, self.label_points, self.width = effective, log, label_points, width
        sizes = [point.n for point in points]
        if log:
            self.n_low, self.n_high = min(sizes) / _PAD, max(sizes) * _PAD
        else:
            self.n_low, self.n_high = 0.0, max(sizes) * 1.05
        self.curves = {name: self._clip(getattr(limits, name)) for name in _curves()}
        self.y_low, self.y_step = _scale.share_axis([point.estimate for point in points], target)

    def _clip(self, values: tuple[float, ...]) -> list[tuple[float, float]]:
        """The curve's (n, limit) samples within the x axis, with points interpolated at the axis ends."""
        sizes = self.limits.n
        key = math.log10 if self.log else float

        def at(n: float) -> float:
            j = min(max(bisect.bisect_left(sizes, n), 1), len(sizes) - 1)
            a, b = key(sizes[j - 1]), key(sizes[j])
            share = (key(n) - a) / (b - a)
            return values[j - 1] + share * (values[j] - values[j - 1])

        low, high = max(self.n_low, sizes[0]), min(self.n_high, sizes[-1])
        if low >= high:
            return []
        inner = [(n, v) for n, v in zip(sizes, values, strict=True) if low < n < high]
        return [(low, at(low)), *inner, (high, at(high))]

    def draw(self) -> Element:
        language, small = self.language, _svg.FONT_SMALL
        y_ticks = _scale.share_ticks(self.y_low, 1.0, self.y_step)
        tick_width = max(_text.text_width(_text.percent_short(t, language), small) for t in y_ticks)
        right_labels = self._right_labels()
        right_width = max(_text.text_width(text, small) for text, _ in right_labels)
        x0 = _svg.MARGIN + tick_width + 6
        x1 = self.width - _svg.MARGIN - right_width - 8
        top = _svg.MARGIN + _svg.LINE + 10
        bottom = top + round(self.width * 0.55)
        axis_cls = _scale.Log if self.log else _scale.Linear
        self.x = axis_cls(self.n_low, self.n_high, x0, x1)
        self.y = _scale.Linear(self.y_low, 1.0, bottom, top)

        entries = self._legend()
        legend_top = bottom + 4 + small + 6 + _svg.LINE + 14
        legend_rows = len(_svg.legend_rows(entries, self.width - 2 * _svg.MARGIN))
        height = legend_top + (legend_rows - 0.5) * _svg.LINE + _svg.MARGIN
        root = _svg.start(self.width, height, "funnel")

        # Axes and grid.
        grid = _svg.sub(root, "g", {"class": "grid", "stroke": _svg.GRID, "stroke-width": 1})
        axis = _svg.sub(root, "g", {"class": "axis", "font-size": small, "fill": _svg.MUTED})
        for tick in y_ticks:
            _svg.line(grid, x0, self.y(tick), x1, self.y(tick), _svg.GRID)
            label = _text.percent_short(tick, language)
            _svg.text(axis, x0 - 6, self.y(tick) + small * 0.35, label, anchor="end", css_class="tick y-tick")
        x_ticks = self._x_ticks(small)
        for tick in x_ticks:
            _svg.line(grid, self.x(tick), top, self.x(tick), bottom, _svg.GRID)
            label = _text.count(tick, language)
            _svg.text(axis, self.x(tick), bottom + 4 + small, label, anchor="middle", css_class="tick x-tick")
        _svg.line(root, x0, bottom, x1, bottom, _svg.AXIS, 1.0, css_class="baseline")
        _svg.text(
            root,
            _svg.MARGIN,
            _svg.MARGIN + small,
            _text.phrase(language, "share"),
            size=small,
            css_class="axis-title y-title",
        )
        x_title = _text.phrase(language, "sample_effective" if self.effective else "sample")
        if self.log:
            x_title = f"{x_title}, {_text.phrase(language, 'log_scale')}"
        _svg.text(
            root,
            (x0 + x1) / 2,
            bottom + 4 + small + 6 + _svg.LINE,
            x_title,
            size=small,
            anchor="middle",
            css_class="axis-title x-title",
        )

        # Limits, target, and their labels in the right margin.
        limits = _svg.sub(root, "g", {"class": "limits", "fill": "none", "stroke": _svg.GREY})
        for name, samples in self.curves.items():
            runs = clip_vertical([(self.x(n), self.y(v)) for n, v in samples], top, bottom)
            if not runs:
                continue
            side, tag = name.split("_")
            stroke, dash = _LIMIT_STYLE[tag]
            path = "".join(_svg.polyline_path(run) for run in runs)
            attrs = {"class": f"limit limit-{tag} {side}", "d": path, "stroke-width": stroke, "stroke-dasharray": dash}
            _svg.sub(limits, "path", attrs)
        target_y = self.y(self.target)
        dash = _svg.TARGET_DASH
        _svg.line(root, x0, target_y, x1, target_y, _svg.INK, _svg.TARGET_STROKE, dash, css_class="target")
        wanted = [self.y(value) + small * 0.35 for _, value in right_labels]
        baselines = _svg.spread(wanted, small + 1, top, bottom + small * 0.35)
        margin = _svg.sub(root, "g", {"class": "limit-labels", "font-size": small, "fill": _svg.MUTED})
        reserved = []
        for (text, _), y in zip(right_labels, baselines, strict=True):
            css = "target-label" if text == _text.phrase(language, "target_short") else "limit-label"
            _svg.text(margin, x1 + 6, y, text, fill=_svg.INK if css == "target-label" else None, css_class=css)
            reserved.append(Box(x1 + 4, y - small, x1 + 8 + _text.text_width(text, small), y + small * 0.3))

        # Point labels, then the points over them: a label may cover a line but never hides a point.
        self._labels(root, Box(x0, top, self.width - _svg.MARGIN, bottom), reserved)
        layer = _svg.sub(root, "g", {"class": "points"})
        order = sorted(range(len(self.points)), key=lambda i: (_DRAW_ORDER[self.points[i].category], i))
        for i in order:
            self._point(layer, self.points[i])

        _svg.draw_legend(root, entries, _svg.MARGIN, legend_top, self.width - 2 * _svg.MARGIN)
        return root

    def _right_labels(self) -> list[tuple[str, float]]:
        """The texts in the right margin and the share they stand beside: the target and each limit's end."""
        labels = [(_text.phrase(self.language, "target_short"), self.target)]
        for name, samples in self.curves.items():
            if len(samples) >= 2 and self.y_low <= samples[-1][1] <= 1.0:
                level = 0.95 if name.endswith("_95") else 0.998
                labels.append((_text.percent_short(level, self.language), samples[-1][1]))
        return labels

    def _x_ticks(self, size: float) -> list[float]:
        def fits(ticks: list[float]) -> bool:
            spans = [(self.x(t), _text.text_width(_text.count(t, self.language), size)) for t in ticks]
            return all(b - a >= (wa + wb) / 2 + 10 for (a, wa), (b, wb) in itertools.pairwise(spans))

        if self.log:
            return _scale.log_ticks(self.n_low, self.n_high, fits)
        return _scale.linear_ticks(self.n_high, fits)

    def _point(self, parent: Element, point: FunnelPoint) -> None:
        category = point.category
        shape, stroke, fill, opacity = _STYLE[category]
        css = f"point {category.replace('_', '-')}"
        attrs = {"class": css, "href": point.href} if point.href else {"class": css}
        if point.key is not None:
            attrs["data-unit"] = point.key
        group = _svg.sub(parent, "a" if point.href else "g", attrs)
        _svg.title(group, self._tooltip(point))
        x, y = self.x(point.n), self.y(point.estimate)
        _svg.marker(group, shape, x, y, _MARKER, stroke=stroke, fill=fill, fill_opacity=opacity)

    def _tooltip(self, point: FunnelPoint) -> str:
        language = self.language
        n = _text.phrase(language, "n_effective" if self.effective else "n", n=_text.count(point.n, language))
        status = _category_text(point.category, language)
        return f"{_text.clean(point.label)}: {_text.percent(point.estimate, language)}; {n}; {status}"

    def _wants_label(self, point: FunnelPoint) -> bool:
        if self.label_points == "all":
            return True
        if self.label_points == "outside":
            return point.status_95 != INSIDE
        if self.label_points == "below":
            return point.status_95 == "below"
        return False

    def _labels(self, root: Element, area: Box, reserved: list[Box]) -> None:
        """Label the chosen points, those farthest out first (see ``_labels``)."""
        size = _svg.FONT_SMALL
        chosen = [i for i, point in enumerate(self.points) if self._wants_label(point)]
        if not chosen:
            return
        chosen.sort(key=lambda i: (-_DRAW_ORDER[self.points[i].category], self.points[i].estimate, i))
        texts = {
            i: _text.ellipsize(_text.clean(self.points[i].short_label or self.points[i].label), _LABEL_MAX, size)
            for i in chosen
        }
        requests = [
            Request(i, _text.text_width(texts[i], size) + 4, size * 1.25, self.points[i].status_95 != "above")
            for i in chosen
        ]
        centres = [(self.x(point.n), self.y(point.estimate)) for point in self.points]
        placements = place_labels(requests, centres, _MARKER * 1.35, area, reserved)
        layer = _svg.sub(root, "g", {"class": "point-labels", "font-size": size})
        for i, placement in zip(chosen, placements, strict=True):
            if placement is None:
                continue
            point, box = self.points[i], placement.box
            attrs = {"class": "point-label", "href": point.href} if point.href else {"class": "point-label"}
            group = _svg.sub(layer, "a" if point.href else "g", attrs)
            if placement.apart:
                x, y = centres[i]
                _svg.line(group, x, y, *box.nearest(x, y), _svg.GREY, 0.75, css_class="leader")
            rect = {"x": box.left, "y": box.top, "width": box.right - box.left, "height": box.bottom - box.top}
            _svg.sub(group, "rect", {**rect, "fill": _svg.WHITE, "fill-opacity": 0.85})
            _svg.text(group, box.left + 2, box.bottom - 0.3 * size, texts[i])

    def _legend(self) -> list[_svg.LegendEntry]:
        language = self.language
        entries = [
            _svg.LegendEntry(_marker_symbol(category), _category_text(category, language))
            for category in reversed(CATEGORIES)
        ]
        target = _text.phrase(language, "target", value=_text.percent_short(self.target, language))
        entries.append(_svg.LegendEntry(_line_symbol(_svg.INK, _svg.TARGET_STROKE, _svg.TARGET_DASH), target))
        for tag, level in (("95", 0.95), ("998", 0.998)):
            stroke, dash = _LIMIT_STYLE[tag]
            label = _text.phrase(language, "limit", level=_text.percent_short(level, language))
            entries.append(_svg.LegendEntry(_line_symbol(_svg.GREY, stroke, dash), label))
        return entries


def clip_vertical(points: list[tuple[float, float]], top: float, bottom: float) -> list[list[tuple[float, float]]]:
    """The parts of a polyline between the heights ``top`` and ``bottom`` (screen coordinates), as runs."""
    runs: list[list[tuple[float, float]]] = []
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        if ya == yb:
            if not top <= ya <= bottom:
                continue
            t0, t1 = 0.0, 1.0
        else:
            ta, tb = (top - ya) / (yb - ya), (bottom - ya) / (yb - ya)
            t0, t1 = max(0.0, min(ta, tb)), min(1.0, max(ta, tb))
            if t0 > t1:
                continue
        start = (xa + t0 * (xb - xa), ya + t0 * (yb - ya))
        end = (xa + t1 * (xb - xa), ya + t1 * (yb - ya))
        if runs and runs[-1][-1] == start:
            runs[-1].append(end)
        else:
            runs.append([start, end])
    return runs


def _curves() -> tuple[str, ...]:
    return ("lower_998", "lower_95", "upper_95", "upper_998")


def _category_text(category: str, language: str) -> str:
    level = _text.percent_short(0.998 if category.endswith("998") else 0.95, language)
    return _text.phrase(language, category, level=level)


def _marker_symbol(category: str) -> Callable[[Element, float, float], None]:
    shape, stroke, fill, opacity = _STYLE[category]

    def draw(parent: Element, x: float, y: float) -> None:
        _svg.marker(parent, shape, x, y, _MARKER, stroke=stroke, fill=fill, fill_opacity=opacity)

    return draw


def _line_symbol(colour: str, stroke: float, dash: str | None) -> Callable[[Element, float, float], None]:
    def draw(parent: Element, x: float, y: float) -> None:
        _svg.line(parent, x - 10, y, x + 10, y, colour, stroke, dash)

    return draw


def _names(points: list[FunnelPoint], language: str, most: int = 10) -> str:
    names = [_text.clean(point.label) for point in points]
    if len(names) <= most:
        return ", ".join(names)
    rest = len(names) - most
    more = f"và {rest} đơn vị khác" if language == "vi" else f"and {rest} more"
    return f"{', '.join(names[:most])} {more}"


def _describe(points: list[FunnelPoint], language: str, target: float) -> str:
    goal = _text.percent_short(target, language)
    by_category = {category: [p for p in points if p.category == category] for category in CATEGORIES}
    if language == "vi":
        parts = [
            f"Biểu đồ phễu: tỷ lệ hài lòng của {len(points)} đơn vị theo cỡ mẫu, với giới hạn kiểm soát 95% "
            f"và 99,8% quanh mục tiêu {goal}."
        ]
    else:
        noun = "unit" if len(points) == 1 else "units"
        parts = [
            f"Funnel plot of the share satisfied for {len(points)} {noun} by sample size, with 95% and 99.8% "
            f"control limits around the {goal} target."
        ]
    for category in ("below_998", "below_95", "above_95", "above_998"):
        if by_category[category]:
            parts.append(f"{_category_text(category, language)}: {_names(by_category[category], language)}.")
    inside = len(by_category[INSIDE])
    if language == "vi":
        parts.append(f"{inside} đơn vị trong giới hạn.")
    else:
        parts.append(f"{inside} {'unit is' if inside == 1 else 'units are'} within the limits.")
    return " ".join(parts)
