"""The funnel plot, read back from its SVG, with limits and classifications from the scoring library."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from scoring._funnel import classify_funnel, funnel_curve
from surveyapp.charts import FunnelLimitLines, FunnelPoint, funnel_plot, funnel_points
from tests.surveyapp.charts.svgtools import (
    SVG,
    by_class,
    classes,
    linear,
    logarithmic,
    marker_centre,
    parse,
    path_points,
    share_of,
    share_scale,
    text,
    texts,
    tick_positions,
    title,
)

DISTRICTS = [
    "Thành phố Sơn La",
    "Huyện Quỳnh Nhai",
    "Huyện Thuận Châu",
    "Huyện Mường La",
    "Huyện Bắc Yên",
    "Huyện Phù Yên",
    "Huyện Mộc Châu",
    "Huyện Yên Châu",
    "Huyện Mai Sơn",
    "Huyện Sông Mã",
    "Huyện Sốp Cộp",
    "Huyện Vân Hồ",
]
SIZES = [812, 240, 655, 410, 150, 333, 720, 290, 560, 470, 180, 385]
SHARES = [0.93, 0.91, 0.82, 0.9, 0.88, 0.86, 0.975, 0.905, 0.92, 0.89, 0.84, 0.9]


@pytest.fixture(scope="module")
def districts():
    units = classify_funnel(SHARES, SIZES, labels=DISTRICTS)
    points = funnel_points(units, hrefs={name: f"/office/districts/{i}" for i, name in enumerate(DISTRICTS)})
    limits = FunnelLimitLines.from_limits(funnel_curve(min(SIZES) / 1.5, max(SIZES) * 1.5, num=120))
    return units, points, limits


def _x_scale(root, log=True):
    ticks = sorted((x, float(label.replace(".", "").replace(",", ""))) for label, x in tick_positions(root).items())
    (xa, na), (xb, nb) = ticks[0], ticks[-1]
    return (logarithmic if log else linear)((na, xa), (nb, xb))


def _markers(root):
    """Each point's group, keyed by the unit name at the start of its tooltip."""
    return {title(group).split(":")[0]: group for group in by_class(root, "point")}


def test_points_sit_at_their_sample_size_and_share(districts):
    _, points, limits = districts
    for scale in ("log", "linear"):
        root = parse(funnel_plot(points, limits, x_scale=scale))
        x, y = _x_scale(root, log=scale == "log"), share_scale(root, axis="y")
        markers = _markers(root)
        assert len(markers) == len(DISTRICTS)
        for name, n, share in zip(DISTRICTS, SIZES, SHARES, strict=True):
            shape = next(child for child in markers[name] if child.tag != f"{SVG}title")
            cx, cy = marker_centre(shape)
            assert cx == pytest.approx(x(n), abs=0.3)
            assert cy == pytest.approx(y(share), abs=0.3)


def test_status_is_told_by_shape_fill_and_colour(districts):
    units, points, limits = districts
    root = parse(funnel_plot(points, limits))
    markers = _markers(root)
    styles = {}
    for point in points:
        group = markers[point.label]
        shape = next(child for child in group if child.tag != f"{SVG}title")
        assert point.category.replace("_", "-") in classes(group)
        styles.setdefault(point.category, set()).add((shape.tag, shape.get("fill"), shape.get("stroke")))
    assert {"below_998", "inside", "above_998"} <= set(styles)  # the data reach these
    assert all(len(s) == 1 for s in styles.values())  # one look per status
    assert len({next(iter(s)) for s in styles.values()}) == len(styles)  # and a different look for each
    (below,) = styles["below_998"]
    (inside,) = styles["inside"]
    assert inside[0] == f"{SVG}circle" and below[0] == f"{SVG}path"
    down = next(child for child in markers["Huyện Thuận Châu"] if child.tag == f"{SVG}path")
    vertices = path_points(down.get("d"))[0]
    assert max(v[1] for v in vertices) > marker_centre(down)[1] + 4  # the tip points down
    # The classification comes from the scoring library: Thuận Châu (82 %, n = 655) is far below.
    assert dict(zip(units.labels, units.status[1], strict=True))["Huyện Thuận Châu"] == "below"


def test_legend_names_every_status_and_line(districts):
    _, points, limits = districts
    legend = texts(parse(funnel_plot(points, limits)))
    for phrase in (
        "Trên giới hạn 99,8%",
        "Trên giới hạn 95%",
        "Trong giới hạn",
        "Dưới giới hạn 95%",
        "Dưới giới hạn 99,8%",
        "Mục tiêu 90%",
        "Giới hạn 95%",
        "Giới hạn 99,8%",
    ):
        assert phrase in legend
    english = texts(parse(funnel_plot(points, limits, language="en")))
    assert "Below 99.8% limit" in english and "Within limits" in english and "Target 90%" in english


def test_points_below_the_limits_are_labelled_and_linked(districts):
    _, points, limits = districts
    root = parse(funnel_plot(points, limits))
    below = {p.label for p in points if p.status_95 == "below"}
    assert len(below) >= 2
    labels = {text(label): label for label in by_class(root, "point-label")}
    assert set(labels) == below
    for name, label in labels.items():
        assert label.tag == f"{SVG}a" and label.get("href").startswith("/office/districts/")
        assert label.get("href") == _markers(root)[name].get("href")
    outside = {p.label for p in points if p.status_95 != "inside"}
    root = parse(funnel_plot(points, limits, label_points="outside"))
    assert {text(label) for label in by_class(root, "point-label")} == outside
    assert not by_class(parse(funnel_plot(points, limits, label_points="none")), "point-label")


def test_labels_do_not_overlap_each_other(districts):
    _, points, limits = districts
    root = parse(funnel_plot(points, limits, label_points="all", width=640))
    boxes = []
    for label in by_class(root, "point-label"):
        rect = label.find(f"{SVG}rect")
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        boxes.append((x, y, x + w, y + h))
    assert len(boxes) >= 8
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_limit_curves_are_drawn_through_the_given_limits(districts):
    _, points, limits = districts
    root = parse(funnel_plot(points, limits))
    x, y = _x_scale(root), share_scale(root, axis="y")
    top = y(1.0)
    for name in ("lower_95", "upper_95", "lower_998", "upper_998"):
        side, tag = name.split("_")
        (curve,) = by_class(root, "limit", f"limit-{tag}", side)
        values = dict(zip(limits.n, getattr(limits, name), strict=True))
        for subpath in path_points(curve.get("d")):
            xs = [px for px, _ in subpath]
            assert xs == sorted(xs)  # drawn left to right
            for px, py in subpath[1:-1]:  # inner vertices are input samples
                n = min(values, key=lambda size, px=px: abs(x(size) - px))
                assert py == pytest.approx(y(values[n]), abs=0.3)
                assert top - 0.1 <= py <= y(0) + 0.1
        ys = [py for subpath in path_points(curve.get("d")) for _, py in subpath]
        # The input lower limits rise with n (screen y falls); the upper ones fall (screen y rises).
        if side == "lower":
            assert all(b <= a + 0.1 for a, b in itertools.pairwise(ys))
        else:
            assert all(b >= a - 0.1 for a, b in itertools.pairwise(ys))


def test_a_limit_curve_is_drawn_as_given_even_when_not_monotone():
    n = [100, 200, 300, 400]
    lower = [0.80, 0.84, 0.83, 0.86]  # a wiggle the chart must not smooth away
    limits = FunnelLimitLines(n, lower, [0.95, 0.94, 0.93, 0.92], [0.7, 0.75, 0.78, 0.8], [0.98, 0.97, 0.96, 0.95])
    points = [FunnelPoint("A", 150, 0.78, "below", "inside"), FunnelPoint("B", 350, 0.88, "inside", "inside")]
    root = parse(funnel_plot(points, limits, x_scale="linear"))
    y = share_scale(root, axis="y")
    (curve,) = by_class(root, "limit", "limit-95", "lower")
    inner = [py for subpath in path_points(curve.get("d")) for _, py in subpath][1:-1]
    assert inner == pytest.approx([y(0.84), y(0.83)], abs=0.3)


def test_curves_leaving_the_plot_are_cut_at_its_edge_but_points_never_are():
    limits = FunnelLimitLines.from_limits(funnel_curve(5, 500, num=80))
    points = [FunnelPoint("A", 10, 0.8, "inside", "inside"), FunnelPoint("B", 400, 0.9, "inside", "inside")]
    root = parse(funnel_plot(points, limits))
    y = share_scale(root, axis="y")
    bottom = y(min(share_of(label) for label in tick_positions(root, axis="y")))
    (curve,) = by_class(root, "limit", "limit-998", "lower")
    ys = [py for subpath in path_points(curve.get("d")) for _, py in subpath]
    assert max(ys) == pytest.approx(bottom, abs=0.2)  # it enters the plot at its bottom edge
    for group in by_class(root, "point"):
        shape = next(child for child in group if child.tag != f"{SVG}title")
        assert marker_centre(shape)[1] <= bottom


def test_a_hundred_agencies_every_point_drawn_and_every_low_one_named():
    rng = np.random.default_rng(7)
    n = np.round(np.exp(rng.uniform(math.log(15), math.log(2500), size=100)))
    y = rng.binomial(n.astype(int), np.clip(rng.normal(0.9, 0.03, size=100), 0.6, 0.995)) / n
    labels = [f"Ủy ban nhân dân xã {i}" for i in range(100)]
    units = classify_funnel(y, n, labels=labels)
    points = funnel_points(units, short_labels={label: label.removeprefix("Ủy ban nhân dân ") for label in labels})
    limits = FunnelLimitLines.from_limits(funnel_curve(n.min() / 1.5, n.max() * 1.5))
    svg = funnel_plot(points, limits, language="en")
    root = parse(svg)
    assert len(by_class(root, "point")) == 100
    below = [p for p in points if p.status_95 == "below"]
    assert below
    labelled = {text(label) for label in by_class(root, "point-label")}
    description = root.find(f"{SVG}desc").text
    for point in below:
        assert point.short_label in labelled or point.label in description
    assert all(not name.startswith("Ủy ban") for name in labelled)  # the short labels are used
    assert len(svg) < 60_000


def test_description_lists_the_units_outside_the_limits(districts):
    _, points, limits = districts
    description = parse(funnel_plot(points, limits)).find(f"{SVG}desc").text
    assert description.startswith("Biểu đồ phễu: tỷ lệ hài lòng của 12 đơn vị theo cỡ mẫu")
    assert "Dưới giới hạn 99,8%: Huyện Thuận Châu" in description
    inside = sum(p.category == "inside" for p in points)
    assert f"{inside} đơn vị trong giới hạn." in description


def test_axis_titles_say_which_sizes_and_scale(districts):
    _, points, limits = districts
    assert "Cỡ mẫu (n), thang logarit" in texts(parse(funnel_plot(points, limits)))
    assert "Cỡ mẫu hiệu dụng (n*)" in texts(parse(funnel_plot(points, limits, effective=True, x_scale="linear")))
    root = parse(funnel_plot(points, limits, language="en"))
    assert "Sample size (n), log scale" in texts(root)
    assert "Share satisfied" in texts(root)
    assert {"200", "500"} <= set(tick_positions(root))
    assert "1.000" in tick_positions(parse(funnel_plot(points, limits)))  # Vietnamese grouping


def test_hostile_names_and_links():
    limits = FunnelLimitLines.from_limits(funnel_curve(20, 500, num=20))
    hostile = "<script>alert(1)</script>&"
    point = FunnelPoint(hostile, 100, 0.7, "below", "below", href="/office/agencies/x?a=1&b=2")
    svg = funnel_plot([point], limits)
    root = parse(svg)
    assert not any(el.tag.endswith("script") for el in root.iter())
    assert "&amp;b=2" in svg
    assert text(by_class(root, "point-label")[0]).startswith("<script>")
    assert by_class(root, "point")[0].get("href") == "/office/agencies/x?a=1&b=2"
    for bad in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "java\tscript:x", " /x"):
        with pytest.raises(ValueError, match="link"):
            FunnelPoint("A", 100, 0.9, "inside", "inside", href=bad)
    assert FunnelPoint("A", 100, 0.9, "inside", "inside", href="https://example.org/a").href


def test_no_points_give_a_no_data_chart():
    limits = FunnelLimitLines.from_limits(funnel_curve(20, 500, num=20))
    assert texts(parse(funnel_plot([], limits, language="en"))) == ["No data"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("A", 0, 0.9, "inside", "inside"), "above 0"),
        (("A", 10, 1.1, "inside", "inside"), "between 0 and 1"),
        (("A", 10, 0.9, "outside", "inside"), "'inside', 'above' or 'below'"),
        (("A", 10, 0.5, "inside", "below"), "99.8% limits lie outside the 95% limits"),
    ],
)
def test_bad_points_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        FunnelPoint(*args)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (([1, 2], [0.5], [0.9, 0.9], [0.4, 0.4], [0.95, 0.95]), "2 sample sizes but 1 values of lower_95"),
        (([2, 1], [0.5, 0.5], [0.9, 0.9], [0.4, 0.4], [0.95, 0.95]), "strictly increasing"),
        (([0, 1], [0.5, 0.5], [0.9, 0.9], [0.4, 0.4], [0.95, 0.95]), "above 0"),
        (([1, 2], [0.5, 0.5], [0.9, 0.9], [0.6, 0.4], [0.95, 0.95]), "lower_998 <= lower_95"),
        (([1, 2], [0.5, 1.5], [0.9, 0.9], [0.4, 0.4], [0.95, 0.95]), "between 0 and 1"),
        (([1], [0.5], [0.9], [0.4], [0.95]), "at least two"),
        (("ab", [0.5, 0.5], [0.9, 0.9], [0.4, 0.4], [0.95, 0.95]), "not a text"),
    ],
)
def test_bad_limits_are_refused(columns, message):
    with pytest.raises(ValueError, match=message):
        FunnelLimitLines(*columns)


def test_limits_need_the_two_usual_levels():
    with pytest.raises(ValueError, match=r"needs 0\.95 and 0\.998"):
        FunnelLimitLines.from_limits(funnel_curve(10, 100, levels=(0.9, 0.99), num=5))


def test_bad_options_are_refused(districts):
    _, points, limits = districts
    with pytest.raises(ValueError, match="'log' or 'linear'"):
        funnel_plot(points, limits, x_scale="sqrt")
    with pytest.raises(ValueError, match="'below', 'outside', 'all' or 'none'"):
        funnel_plot(points, limits, label_points="some")
    with pytest.raises(ValueError, match="FunnelLimitLines"):
        funnel_plot(points, {"n": [1, 2]})


def test_deterministic(districts):
    _, points, limits = districts
    assert funnel_plot(points, limits) == funnel_plot(list(points), limits)
