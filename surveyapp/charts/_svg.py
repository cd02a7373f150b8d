"""Building SVG documents: the palette, sizes, elements with escaped text, legends and the root element.

Elements are built with :mod:`xml.etree.ElementTree`, which escapes text and attribute values, so a label can
never become markup. Coordinates are written with one decimal at most.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring  # nosec B405  # builds SVG, never parses XML

from surveyapp.charts import _text

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "'Noto Sans', 'DejaVu Sans', sans-serif"

#: Sizes in viewBox units. Charts are 480 units wide by default; shown at a phone's 360 px, the smallest text
#: (14) is 10.5 px, and printed 130 mm wide it is 10 pt.
DEFAULT_WIDTH = 480.0
MIN_WIDTH, MAX_WIDTH = 320.0, 1200.0
FONT = 15.0
FONT_SMALL = 14.0
LINE = 18.0  # line height of FONT text
MARGIN = 8.0

#: Colours. Text is INK or MUTED (contrast 15.9:1 and 7:1 on white). The data colours are Okabe and Ito's
#: blue and vermillion, told apart by every common colour-vision deficiency, each above 3:1 on white.
WHITE = "#ffffff"
INK = "#222222"
MUTED = "#595959"
GRID = "#dddddd"
AXIS = "#767676"
BLUE = "#0072b2"
VERMILLION = "#d55e00"
GREY = "#767676"
GAP_FILL = "#eeeeee"

#: How the target line is drawn in every chart.
TARGET_DASH = "5 3"
TARGET_STROKE = 1.5


def num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing ``.0``."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _attrs(attrs: dict[str, object]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        out[key] = num(value) if isinstance(value, float | int) and not isinstance(value, bool) else str(value)
    return out


def sub(parent: Element, tag: str, attrs: dict[str, object] | None = None, text: str | None = None) -> Element:
    """A child element; numbers in ``attrs`` are rounded, ``None`` values left out, ``text`` escaped on output."""
    element = SubElement(parent, tag, _attrs(attrs or {}))
    if text is not None:
        element.text = text
    return element


def title(parent: Element, text: str) -> Element:
    """A ``<title>`` child: the tooltip of its parent, and its name for assistive technology."""
    return sub(parent, "title", text=text)


def text(
    parent: Element,
    x: float,
    y: float,
    content: str | Sequence[str],
    *,
    size: float | None = None,
    anchor: str | None = None,
    bold: bool = False,
    italic: bool = False,
    fill: str | None = None,
    css_class: str | None = None,
    line_height: float = LINE,
) -> Element:
    """A ``<text>`` at baseline ``y``; a sequence of lines becomes ``<tspan>`` lines ``line_height`` apart."""
    element = sub(
        parent,
        "text",
        {
            "class": css_class,
            "x": x,
            "y": y,
            "font-size": size,
            "text-anchor": anchor,
            "font-weight": "bold" if bold else None,
            "font-style": "italic" if italic else None,
            "fill": fill,
        },
    )
    if isinstance(content, str):
        element.text = content
    else:
        for index, line in enumerate(content):
            sub(element, "tspan", {"x": x, "dy": line_height if index else None}, line)
    return element


def line(
    parent: Element,
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    stroke: str,
    width: float = 1.0,
    dash: str | None = None,
    css_class: str | None = None,
) -> Element:
    """A straight line."""
    return sub(
        parent,
        "line",
        {
            "class": css_class,
            "x1": x1,
            "y1": y1,
            "x2": x2,
            "y2": y2,
            "stroke": stroke,
            "stroke-width": width,
            "stroke-dasharray": dash,
        },
    )


def polyline_path(points: Sequence[tuple[float, float]]) -> str:
    """Path data through ``points``: ``M x y L x y ...`` with rounded coordinates."""
    parts = [f"{'L' if i else 'M'}{num(x)} {num(y)}" for i, (x, y) in enumerate(points)]
    return "".join(parts)


#: Marker shapes, so that status is told by shape as well as by colour.
CIRCLE, TRIANGLE_UP, TRIANGLE_DOWN = "circle", "triangle-up", "triangle-down"


def marker(
    parent: Element,
    shape: str,
    x: float,
    y: float,
    size: float,
    *,
    stroke: str,
    fill: str,
    fill_opacity: float | None = None,
    css_class: str | None = None,
) -> Element:
    """A point marker of ``size`` (radius of a circle; a triangle of the same visual weight) centred on (x, y)."""
    style = {"fill": fill, "fill-opacity": fill_opacity, "stroke": stroke, "stroke-width": 1.5}
    if shape == CIRCLE:
        return sub(parent, "circle", {"class": css_class, "cx": x, "cy": y, "r": size, **style})
    r = size * 1.35  # an equilateral triangle's centroid sits 1/3 of its height from the base
    half, up, down = r * 0.866, r, r / 2
    if shape == TRIANGLE_UP:
        points = [(x, y - up), (x + half, y + down), (x - half, y + down)]
    elif shape == TRIANGLE_DOWN:
        points = [(x, y + up), (x + half, y - down), (x - half, y - down)]
    else:
        raise ValueError(f"Unknown marker shape {shape!r}.")
    return sub(parent, "path", {"class": css_class, "d": polyline_path(points) + "Z", **style})


@dataclass(frozen=True)
class LegendEntry:
    """One legend entry: a symbol drawn by ``draw(parent, x_centre, y_middle)`` (or none) and its text."""

    draw: Callable[[Element, float, float], object] | None
    label: str
    bold: bool = False


LEGEND_SYMBOL = 22.0
LEGEND_GAP = 16.0


def _symbol_room(entry: LegendEntry) -> float:
    return 0.0 if entry.draw is None else LEGEND_SYMBOL + 6


def legend_rows(entries: Sequence[LegendEntry], width: float, size: float = FONT_SMALL) -> list[list[LegendEntry]]:
    """Entries laid out left to right, wrapping onto new rows within ``width``."""
    rows: list[list[LegendEntry]] = [[]]
    used = 0.0
    for entry in entries:
        span = _symbol_room(entry) + _text.text_width(entry.label, size, entry.bold)
        if rows[-1] and used + LEGEND_GAP + span > width:
            rows.append([])
            used = 0.0
        used += (LEGEND_GAP if rows[-1] else 0) + span
        rows[-1].append(entry)
    return [row for row in rows if row]


def draw_legend(
    parent: Element, entries: Sequence[LegendEntry], x: float, y: float, width: float, size: float = FONT_SMALL
) -> float:
    """Draw the legend with its first row's middle at ``y``; return the height it takes."""
    group = sub(parent, "g", {"class": "legend", "font-size": size})
    rows = legend_rows(entries, width, size)
    for index, row in enumerate(rows):
        middle = y + index * LINE
        cursor = x
        for entry in row:
            if entry.draw is not None:
                entry.draw(group, cursor + LEGEND_SYMBOL / 2, middle)
            label_x = cursor + _symbol_room(entry)
            text(group, label_x, middle + size * 0.35, entry.label, bold=entry.bold)
            cursor = label_x + _text.text_width(entry.label, size, entry.bold) + LEGEND_GAP
    return len(rows) * LINE


def spread(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as near ``wanted`` as possible, at least ``gap`` apart and within [low, high] where they fit.

    Used to keep labels stacked in a margin from overlapping; the order of the labels is kept.
    """
    order = sorted(range(len(wanted)), key=lambda i: (wanted[i], i))
    placed = [wanted[i] for i in order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    if placed and placed[-1] > high:
        placed[-1] = high
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    if placed and placed[0] < low:
        placed[0] = low
        for i in range(1, len(placed)):
            placed[i] = max(placed[i], placed[i - 1] + gap)
    out = [0.0] * len(wanted)
    for position, index in zip(placed, order, strict=True):
        out[index] = position
    return out


def check_width(width: float) -> float:
    """The chart width, when it is a number in the supported range."""
    if isinstance(width, bool) or not isinstance(width, int | float) or not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"The chart width must be between {MIN_WIDTH:g} and {MAX_WIDTH:g} units; got {width!r}.")
    return float(width)


def start(width: float, height: float, kind: str, size: tuple[float, float] | None = None) -> Element:
    """The root ``<svg>`` of a chart of ``kind``.

    A chart fills the width of its container (``width="100%"``) on a white background, so that its colours keep
    their contrast on any page; with ``size`` (in CSS pixels) it has that fixed size and no background, as a
    sparkline in a table cell.
    """
    attrs = {
        "xmlns": SVG_NS,
        "viewBox": f"0 0 {num(width)} {num(height)}",
        "width": "100%" if size is None else size[0],
        "height": None if size is None else size[1],
        "role": "img",
        "class": f"chart chart-{kind}",
        "font-family": FONT_FAMILY,
        "font-size": FONT,
        "fill": INK,
    }
    root = Element("svg", _attrs(attrs))
    if size is None:
        sub(root, "rect", {"class": "background", "width": width, "height": height, "fill": WHITE})
    return root


def finish(root: Element, name: str, description: str) -> str:
    """Give the chart its ``<title>`` and ``<desc>`` (referenced by ARIA) and serialise it.

    The ids are derived from the content, so the output is deterministic and two different charts on one page
    do not share ids.
    """
    body = tostring(root, encoding="unicode")
    digest = hashlib.sha256("\n".join((name, description, body)).encode()).hexdigest()[:10]
    title_element = Element("title", {"id": f"chart-{digest}-title"})
    title_element.text = _text.clean(name)
    desc_element = Element("desc", {"id": f"chart-{digest}-desc"})
    desc_element.text = _text.clean(description)
    root.insert(0, title_element)
    root.insert(1, desc_element)
    root.set("aria-labelledby", f"chart-{digest}-title")
    root.set("aria-describedby", f"chart-{digest}-desc")
    return tostring(root, encoding="unicode")


def no_data(width: float, name: str, language: str, kind: str) -> str:
    """A chart that says there is nothing to show, in the same frame as the chart it stands for."""
    height = 120.0
    root = start(width, height, kind)
    root.set("class", f"chart chart-{kind} chart-empty")
    sub(
        root,
        "rect",
        {"x": MARGIN, "y": MARGIN, "width": width - 2 * MARGIN, "height": height - 2 * MARGIN, "fill": GAP_FILL},
    )
    message = _text.phrase(language, "no_data")
    text(root, width / 2, height / 2 + FONT * 0.35, message, anchor="middle", fill=MUTED, css_class="no-data")
    return finish(root, name, f"{_text.clean(name)}: {message}.")
