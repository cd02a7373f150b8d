"""The index bar chart: one horizontal bar per element, criterion or unit, with its interval and the target."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element  # nosec B405  # builds SVG, never parses XML

from surveyapp.charts import _scale, _svg, _text
from surveyapp.charts._data import IndexItem, common_measure, on_scale, open_share
from surveyapp.numbers import Measure

_BAR = 16.0  # bar thickness
_CAP = 8.0  # whisker cap length
_LABEL_SHARE = 0.42  # the label column takes at most this share of the width


def index_bar_chart(
    items: Sequence[IndexItem],
    *,
    language: str = "vi",
    target: float | None = 0.9,
    level: float = 0.95,
    title: str | None = None,
    width: float = _svg.DEFAULT_WIDTH,
    axis_min: float | None = None,
    highlight_note: str | None = None,
) -> str:
    """Horizontal bars of the share satisfied (or of mean points), with confidence intervals and the target line.

    Parameters
    ----------
    items : sequence of IndexItem
        The rows, drawn top to bottom in this order, all on one scale: shares, or points of one maximum (their
        ``measure``).
    language : {"vi", "en"}
        Language of the fixed text and of the number format (``91,2%`` or ``91.2%``; ``15,6`` for points).
    target : float or None
        The target share, drawn as a dashed vertical line labelled "Mục tiêu 90%" / "Target 90%"; None draws
        no target (an index without one). A target is a share: bars of points take none.
    level : float
        The confidence level of the intervals, for the legend (``0.95`` → "Khoảng tin cậy 95%").
    title : str, optional
        The chart's accessible name (its ``<title>``); by default "Tỷ lệ hài lòng" / "Share satisfied".
    width : float
        Width of the viewBox, 320 to 1200 units; the height follows from the number of rows.
    axis_min : float, optional
        Where the axis starts. For shares by default at 50 %, or lower when an interval or the target lies lower
        (the 10 % step below the lowest of them, or the 20 % step when the axis would span more than 60 points);
        for points at 0. A value that would cut an interval or hide the target is refused.
    highlight_note : str, optional
        Legend text for highlighted bars; by default "Cần ưu tiên cải thiện" / "Priority for improvement".

    Returns
    -------
    str
        An SVG document (``<svg xmlns=... viewBox=... width="100%" role="img">``) with a ``<title>`` and a
        ``<desc>`` summarising the chart. With no items, a chart saying "Không có số liệu" / "No data".

    Raises
    ------
    ValueError
        For an unknown language, a target or level outside (0, 1), a target with points, items on different
        scales, a width outside the supported range, or an ``axis_min`` that would cut an interval.

    Notes
    -----
    Bars of shares start at the axis minimum, not at 0: satisfaction shares mostly lie between 70 % and 100 %,
    where bars from 0 would all look alike. The legend says where the axis starts, and every bar carries its
    value. Bars of points run from 0 to the maximum of the scale, which the axis ends at.

    Examples
    --------
    >>> from surveyapp.charts import IndexItem, index_bar_chart
    >>> svg = index_bar_chart([
    ...     IndexItem("Tiếp cận dịch vụ", 0.912, 0.884, 0.936, n=412),
    ...     IndexItem("Thủ tục hành chính", 0.861, 0.826, 0.891, n=409, highlight=True),
    ...     IndexItem("Kết quả giải quyết", no_estimate=True, n=3),
    ... ])
    >>> svg.startswith("<svg") and "91,2%" in svg and "không có số liệu" in svg
    True
    """
    language = _text.check_language(language)
    items = list(items)
    if not all(isinstance(item, IndexItem) for item in items):
        raise ValueError("The index bar chart takes IndexItem objects.")
    measure = common_measure(items)
    if target is not None:
        if not measure.is_share:
            raise ValueError("A target is a share: bars of points take none (target=None).")
        target = open_share(target, "The target")
    level = open_share(level, "The confidence level")
    width = _svg.check_width(width)
    default_title = "bar_title" if measure.is_share else "points_bar_title"
    name = _text.clean(title) if title else _text.phrase(language, default_title)
    if not items:
        return _svg.no_data(width, name, language, "bars")
    rows = [_Row.of(item) for item in items]
    lowers = [row.lower for row in rows if row.has_estimate]
    marks = [*lowers, *([target] if target is not None else [])]
    if measure.is_share:
        start, step = _scale.bar_axis_min(lowers, target if target is not None else 0.5)
    else:
        start, step = 0.0, _scale.point_steps(measure.top)[0]
    if axis_min is not None:
        axis_min = on_scale(axis_min, "The axis minimum", measure)
        lowest = min(marks, default=axis_min)
        if axis_min > lowest + 1e-9:
            raise ValueError(
                f"The axis cannot start at {axis_min:g}: it would cut an interval or the target at {lowest:g}."
            )
        start = axis_min
    note = _text.clean(highlight_note) if highlight_note else _text.phrase(language, "highlight")
    svg = _Layout(rows, language, target, level, width, start, step, note, measure).draw()
    return _svg.finish(svg, name, _describe(rows, language, target, level, measure))


@dataclass(frozen=True)
class _Row:
    """An item as drawn: its clean label and, when it has an estimate, the numbers."""

    label: str
    has_estimate: bool
    estimate: float
    lower: float
    upper: float
    n: float
    highlight: bool
    #: An estimate too thin to show (the reliability rules): no bar, "too few responses".
    insufficient: bool = False

    @classmethod
    def of(cls, item: IndexItem) -> _Row:
        if item.no_estimate:
            return cls(
                _text.clean(item.label), False, 0.0, 0.0, 0.0, float(item.n or 0), item.highlight, item.insufficient
            )
        return cls(
            _text.clean(item.label),
            True,
            float(item.estimate or 0),
            float(item.lower or 0),
            float(item.upper or 0),
            float(item.n or 0),
            item.highlight,
        )

    @property
    def missing_phrase(self) -> str:
        return "insufficient" if self.insufficient else "no_estimate"


@dataclass
class _Layout:
    rows: list[_Row]
    language: str
    target: float | None
    level: float
    width: float
    start: float
    step: float
    note: str
    measure: Measure

    def draw(self) -> Element:
        size, small, language, measure = _svg.FONT, _svg.FONT_SMALL, self.language, self.measure
        values = [_text.value(row.estimate, measure, language) if row.has_estimate else "–" for row in self.rows]
        value_width = max(
            _text.text_width(value, size, row.highlight) for value, row in zip(values, self.rows, strict=True)
        )
        natural = max(_text.text_width(row.label, size, row.highlight) for row in self.rows)
        label_width = min(natural, self.width * _LABEL_SHARE)
        wrapped = [_text.wrap(row.label, label_width, size, 2, row.highlight)[0] for row in self.rows]
        pitch = max(30.0, max(len(lines) for lines in wrapped) * _svg.LINE + 10)

        x0 = _svg.MARGIN + label_width + 10
        x1 = self.width - _svg.MARGIN - value_width - 12
        top = _svg.MARGIN + _svg.LINE + 6
        bottom = top + pitch * len(self.rows)
        x = _scale.Linear(self.start, measure.top, x0, x1)

        entries = self._legend()
        legend_top = bottom + 4 + small + 16
        legend_rows = len(_svg.legend_rows(entries, self.width - 2 * _svg.MARGIN))
        height = legend_top + (legend_rows - 0.5) * _svg.LINE + _svg.MARGIN
        root = _svg.start(self.width, height, "bars")

        grid = _svg.sub(root, "g", {"class": "grid", "stroke": _svg.GRID, "stroke-width": 1})
        axis = _svg.sub(root, "g", {"class": "axis", "font-size": small, "text-anchor": "middle", "fill": _svg.MUTED})
        for tick in self._ticks(x, small):
            _svg.line(grid, x(tick), top, x(tick), bottom, _svg.GRID)
            _svg.text(axis, x(tick), bottom + 4 + small, _text.tick(tick, measure, language), css_class="tick")
        _svg.line(root, x0, top, x0, bottom, _svg.AXIS, 1.0, css_class="baseline")

        group = _svg.sub(root, "g", {"class": "items"})
        for index, (row, lines, value) in enumerate(zip(self.rows, wrapped, values, strict=True)):
            middle = top + pitch * (index + 0.5)
            item = _svg.sub(group, "g", {"class": "item highlight" if row.highlight else "item"})
            _svg.title(item, self._tooltip(row))
            first = middle - (len(lines) - 1) * _svg.LINE / 2 + size * 0.35
            _svg.text(item, x0 - 10, first, lines, anchor="end", bold=row.highlight, css_class="label")
            value_x, value_y = self.width - _svg.MARGIN, middle + size * 0.35
            if not row.has_estimate:
                no_estimate = _text.phrase(language, row.missing_phrase)
                _svg.text(
                    item,
                    x0 + 6,
                    middle + small * 0.35,
                    no_estimate,
                    size=small,
                    italic=True,
                    fill=_svg.MUTED,
                    css_class="no-estimate",
                )
                _svg.text(item, value_x, value_y, value, anchor="end", fill=_svg.MUTED, css_class="value")
                continue
            colour = _svg.VERMILLION if row.highlight else _svg.BLUE
            bar = {"x": x0, "y": middle - _BAR / 2, "width": x(row.estimate) - x0, "height": _BAR, "fill": colour}
            _svg.sub(item, "rect", {"class": "bar", **bar})
            path = {"d": whisker(x(row.lower), x(row.upper), middle), "fill": "none", "stroke": _svg.INK}
            _svg.sub(item, "path", {"class": "whisker", **path, "stroke-width": 1.5})
            _svg.text(item, value_x, value_y, value, anchor="end", bold=row.highlight, css_class="value")

        if self.target is not None:
            target_x = x(self.target)
            dash = _svg.TARGET_DASH
            _svg.line(root, target_x, top - 4, target_x, bottom, _svg.INK, _svg.TARGET_STROKE, dash, css_class="target")
            label = _text.phrase(language, "target", value=_text.percent_short(self.target, language))
            label_width = _text.text_width(label, small, bold=True)
            left = min(max(target_x - label_width / 2, _svg.MARGIN), self.width - _svg.MARGIN - label_width)
            _svg.text(root, left, top - 8, label, size=small, bold=True, css_class="target-label")

        _svg.draw_legend(root, entries, _svg.MARGIN, legend_top, self.width - 2 * _svg.MARGIN)
        return root

    def _ticks(self, x: _scale.Linear, size: float) -> list[float]:
        """Shares: ticks every 10 (or 20) points, or sparser (25, 20, 50) when their labels would touch; 25 only
        when the axis starts on a multiple of it, so that its start is labelled. Points: the densest step of
        :func:`~surveyapp.charts._scale.point_steps` whose labels do not touch."""
        high = self.measure.top
        if self.measure.is_share:
            on_quarter = self.start % 0.25 <= 1e-9
            steps = [s for s in (self.step, 0.25, 0.2, 0.5) if s >= self.step and (s != 0.25 or on_quarter)]
        else:
            steps = [s for s in _scale.point_steps(high) if s >= self.step]
        for step in steps:
            ticks = _scale.share_ticks(self.start, high, step)
            spans = [(x(tick), _text.text_width(_text.tick(tick, self.measure, self.language), size)) for tick in ticks]
            if all(b - a - (wa + wb) / 2 >= 6 for (a, wa), (b, wb) in itertools.pairwise(spans)):
                return ticks
        return [self.start, high]

    def _legend(self) -> list[_svg.LegendEntry]:
        language = self.language
        interval = _text.phrase(language, "interval", level=_text.percent_short(self.level, language))
        entries = [_svg.LegendEntry(_whisker_symbol, interval)]
        if any(row.highlight and row.has_estimate for row in self.rows):
            entries.append(_svg.LegendEntry(_highlight_symbol, self.note, bold=True))
        if self.start > 0:
            axis_from = _text.phrase(language, "axis_from", value=_text.tick(self.start, self.measure, language))
            entries.append(_svg.LegendEntry(None, axis_from))
        return entries

    def _tooltip(self, row: _Row) -> str:
        language = self.language
        n = _text.phrase(language, "n", n=_text.count(row.n, language))
        if not row.has_estimate:
            text = f"{row.label}: {_text.phrase(language, row.missing_phrase)}"
            return f"{text} ({n})" if row.n else text
        measure = self.measure
        lower, upper = _text.value(row.lower, measure, language), _text.value(row.upper, measure, language)
        interval = _text.phrase(
            language, "ci", level=_text.percent_short(self.level, language), lower=lower, upper=upper
        )
        return f"{row.label}: {_text.with_unit(row.estimate, measure, language)} ({interval}; {n})"


def whisker(low: float, high: float, middle: float) -> str:
    """Path data of a horizontal interval from ``low`` to ``high`` with end caps, at height ``middle``."""
    cap = _CAP / 2
    num = _svg.num
    return (
        f"M{num(low)} {num(middle - cap)}V{num(middle + cap)}"
        f"M{num(low)} {num(middle)}H{num(high)}"
        f"M{num(high)} {num(middle - cap)}V{num(middle + cap)}"
    )


def _whisker_symbol(parent: Element, x: float, y: float) -> None:
    _svg.sub(parent, "path", {"d": whisker(x - 9, x + 9, y), "fill": "none", "stroke": _svg.INK, "stroke-width": 1.5})


def _highlight_symbol(parent: Element, x: float, y: float) -> None:
    _svg.sub(parent, "rect", {"x": x - 9, "y": y - 6, "width": 18, "height": 12, "fill": _svg.VERMILLION})


def _describe(rows: list[_Row], language: str, target: float | None, level: float, measure: Measure) -> str:
    shown = [row for row in rows if row.has_estimate]
    too_few = sum(row.insufficient for row in rows)
    missing = len(rows) - len(shown) - too_few
    lv = _text.percent_short(level, language)
    goal = _text.percent_short(target, language) if target is not None else None
    reached = sum(1 for row in shown if target is not None and row.estimate >= target)
    if shown:
        low = min(shown, key=lambda row: row.estimate)
        high = max(shown, key=lambda row: row.estimate)
        low_text = f"{low.label} ({_text.with_unit(low.estimate, measure, language)})"
        high_text = f"{high.label} ({_text.with_unit(high.estimate, measure, language)})"
    what = _text.scale_name(measure, language)
    if language == "vi":
        goal_text = f" và mục tiêu {goal}" if goal is not None else ""
        parts = [f"Biểu đồ thanh: {what.lower()} của {len(rows)} mục, với khoảng tin cậy {lv}{goal_text}."]
        if shown:
            if goal is not None:
                parts.append(f"{reached}/{len(shown)} mục có số liệu đạt mục tiêu trở lên.")
            parts.append(f"Thấp nhất: {low_text}; cao nhất: {high_text}.")
        if too_few:
            parts.append(f"{too_few} mục chưa đủ phiếu để kết luận.")
        if missing:
            parts.append(f"{missing} mục không có số liệu.")
        return " ".join(parts)
    noun = "item" if len(rows) == 1 else "items"
    goal_text = f" and the {goal} target" if goal is not None else ""
    what = what[:1].lower() + what[1:]
    parts = [f"Bar chart of the {what} for {len(rows)} {noun}, with {lv} confidence intervals{goal_text}."]
    if shown:
        if goal is not None:
            verb = "is" if reached == 1 else "are"
            parts.append(f"{reached} of {len(shown)} items with data {verb} at or above the target.")
        parts.append(f"Lowest: {low_text}; highest: {high_text}.")
    if too_few:
        parts.append(f"{too_few} {'item has' if too_few == 1 else 'items have'} too few responses to conclude.")
    if missing:
        parts.append(f"{missing} {'item has' if missing == 1 else 'items have'} no data.")
    return " ".join(parts)
