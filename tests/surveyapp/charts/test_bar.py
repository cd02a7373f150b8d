"""The index bar chart, read back from its SVG."""

from __future__ import annotations

import re

import pytest

from surveyapp.charts import IndexItem, index_bar_chart
from surveyapp.numbers import Measure
from tests.surveyapp.charts.svgtools import (
    SVG,
    by_class,
    classes,
    linear,
    num,
    parse,
    path_points,
    share_scale,
    text,
    texts,
    tick_positions,
    title,
)

ELEMENTS = [
    IndexItem("Tiếp cận dịch vụ", 0.912, 0.884, 0.936, n=412),
    IndexItem("Thủ tục hành chính", 0.861, 0.826, 0.891, n=409, highlight=True),
    IndexItem("Sự phục vụ của công chức", 0.945, 0.921, 0.963, n=410),
    IndexItem("Kết quả giải quyết thủ tục hành chính", 0.902, 0.873, 0.926, n=405),
    IndexItem("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", no_estimate=True, n=3),
]


def _scale(root):
    return share_scale(root)


def test_one_bar_per_item_with_an_estimate_ending_at_its_value():
    root = parse(index_bar_chart(ELEMENTS))
    x = _scale(root)
    bars = by_class(root, "bar")
    assert len(bars) == 4
    baseline = x(0.5)  # the axis starts at 50 %
    for bar, item in zip(bars, [e for e in ELEMENTS if not e.no_estimate], strict=True):
        assert num(bar, "x") == pytest.approx(baseline, abs=0.1)
        assert num(bar, "x") + num(bar, "width") == pytest.approx(x(item.estimate), abs=0.15)
    # Widths are proportional to the distance from the axis start.
    widths = [num(bar, "width") for bar in bars]
    assert widths[0] / widths[2] == pytest.approx((0.912 - 0.5) / (0.945 - 0.5), rel=2e-3)


def test_whiskers_end_at_the_interval_bounds():
    root = parse(index_bar_chart(ELEMENTS))
    x = _scale(root)
    whiskers = by_class(root, "whisker")
    assert len(whiskers) == 4
    for whisker, item in zip(whiskers, [e for e in ELEMENTS if not e.no_estimate], strict=True):
        xs = [px for subpath in path_points(whisker.get("d")) for px, _ in subpath]
        assert min(xs) == pytest.approx(x(item.lower), abs=0.15)
        assert max(xs) == pytest.approx(x(item.upper), abs=0.15)
        caps = [s for s in path_points(whisker.get("d")) if s[0][0] == s[-1][0]]
        assert len(caps) == 2  # a vertical cap at each end


def test_target_line_at_ninety_percent_labelled_in_each_language():
    for language, label in (("vi", "Mục tiêu 90%"), ("en", "Target 90%")):
        root = parse(index_bar_chart(ELEMENTS, language=language))
        (target,) = by_class(root, "target")
        assert num(target, "x1") == num(target, "x2") == pytest.approx(_scale(root)(0.9), abs=0.15)
        assert target.get("stroke-dasharray")
        assert [text(t) for t in by_class(root, "target-label")] == [label]


def test_labels_and_values_in_vietnamese_and_english_format():
    vi = parse(index_bar_chart(ELEMENTS))
    assert [text(v) for v in by_class(vi, "value")] == ["91,2%", "86,1%", "94,5%", "90,2%", "–"]
    assert "Tiếp cận dịch vụ" in texts(vi)
    assert "Khoảng tin cậy 95%" in texts(vi)
    en = parse(index_bar_chart(ELEMENTS, language="en"))
    assert [text(v) for v in by_class(en, "value")] == ["91.2%", "86.1%", "94.5%", "90.2%", "–"]
    assert "95% confidence interval" in texts(en)
    assert "no data" in texts(en)


def test_an_item_without_estimate_has_no_bar_and_says_so():
    root = parse(index_bar_chart(ELEMENTS))
    rows = by_class(root, "item")
    missing = rows[4]
    assert missing.find(f"{SVG}rect") is None and not by_class(missing, "whisker")
    assert [text(t) for t in by_class(missing, "no-estimate")] == ["không có số liệu"]
    assert title(missing) == "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị: không có số liệu (n = 3)"


def test_highlighted_bar_in_the_accent_colour_with_a_bold_label_and_a_legend_entry():
    root = parse(index_bar_chart(ELEMENTS))
    fills = [bar.get("fill") for bar in by_class(root, "bar")]
    assert fills[1] != fills[0] and fills[0] == fills[2] == fills[3]
    highlighted = by_class(root, "item", "highlight")
    assert len(highlighted) == 1
    (label,) = by_class(highlighted[0], "label")
    assert label.get("font-weight") == "bold" and text(label) == "Thủ tục hành chính"
    assert "Cần ưu tiên cải thiện" in texts(root)
    plain = parse(index_bar_chart([e for e in ELEMENTS if not e.highlight]))
    assert "Cần ưu tiên cải thiện" not in texts(plain)
    assert "Priority" in " ".join(texts(parse(index_bar_chart(ELEMENTS, language="en"))))


def test_tooltips_give_value_interval_and_sample_size():
    root = parse(index_bar_chart(ELEMENTS[:1]))
    (row,) = by_class(root, "item")
    assert title(row) == "Tiếp cận dịch vụ: 91,2% (KTC 95%: 88,4%–93,6%; n = 412)"


def test_long_labels_wrap_to_two_lines_or_are_shortened_with_the_full_text_kept():
    long = "Công chức có thái độ giao tiếp lịch sự, lắng nghe và trả lời đầy đủ các ý kiến của người dân khi tiếp nhận"
    root = parse(index_bar_chart([IndexItem(long, 0.9, 0.88, 0.92, n=100), *ELEMENTS[:2]]))
    label = by_class(root, "label")[0]
    lines = [t.text for t in label.findall(f"{SVG}tspan")]
    assert len(lines) == 2 and lines[1].endswith("…")
    assert long.startswith(" ".join(lines)[:-1].rstrip())
    assert title(by_class(root, "item")[0]).startswith(long)
    wrapped = by_class(root, "label")[2]  # "Thủ tục hành chính" fits on one line
    assert len(wrapped.findall(f"{SVG}tspan")) in (0, 1)


def test_axis_starts_at_fifty_percent_unless_an_interval_reaches_lower():
    root = parse(index_bar_chart(ELEMENTS))
    ticks = tick_positions(root)
    (baseline,) = by_class(root, "baseline")
    assert num(baseline, "x1") == pytest.approx(_scale(root)(0.5), abs=0.15)
    assert min(ticks, key=ticks.get) == "50%"
    assert "Trục bắt đầu từ 50%" in texts(root)
    low = parse(index_bar_chart([*ELEMENTS, IndexItem("Xã A", 0.55, 0.43, 0.66, n=40)]))
    ticks = tick_positions(low)
    assert min(ticks, key=ticks.get) == "40%"
    x = linear((0.4, ticks["40%"]), (1.0, ticks["100%"]))
    whisker = by_class(low, "whisker")[-1]
    assert min(px for s in path_points(whisker.get("d")) for px, _ in s) >= x(0.4) - 0.1  # not cut
    very_low = parse(index_bar_chart([IndexItem("Xã B", 0.2, 0.05, 0.4, n=20)]))
    ticks = tick_positions(very_low)
    assert min(ticks, key=ticks.get) == "0%"
    assert not any("Trục bắt đầu" in t for t in texts(very_low))  # a zero baseline needs no warning


def test_axis_min_can_be_chosen_but_never_cuts_an_interval():
    root = parse(index_bar_chart(ELEMENTS, axis_min=0.0))
    bars = by_class(root, "bar")
    x = linear((0.0, tick_positions(root)["0%"]), (1.0, tick_positions(root)["100%"]))
    assert num(bars[0], "x") == pytest.approx(x(0.0), abs=0.1)
    with pytest.raises(ValueError, match="cut an interval"):
        index_bar_chart(ELEMENTS, axis_min=0.85)


def test_hostile_labels_are_escaped_and_come_back_as_text():
    hostile = '<script>"x"</script> & Co <b>'
    svg = index_bar_chart([IndexItem(hostile, 0.9, 0.85, 0.95, n=50)], title="A & B <i>")
    root = parse(svg)
    assert not any(el.tag.endswith(("script", "b", "i")) for el in root.iter())
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert [text(label) for label in by_class(root, "label")] == [hostile]
    assert title(by_class(root, "item")[0]).startswith(hostile)
    assert root.find(f"{SVG}title").text == "A & B <i>"


def test_control_characters_in_labels_are_dropped_so_the_document_stays_well_formed():
    root = parse(index_bar_chart([IndexItem("Xã\x00 A\x1b\nB", 0.9, 0.85, 0.95, n=50)]))
    assert [text(label) for label in by_class(root, "label")] == ["Xã A B"]


def test_output_is_deterministic_and_compact():
    first, second = index_bar_chart(ELEMENTS), index_bar_chart(list(ELEMENTS))
    assert first == second
    assert index_bar_chart(ELEMENTS, language="en") != first
    numbers = re.findall(r'(?:x|y|x1|x2|y1|y2|width|height)="(-?\d+(?:\.\d+)?)"', first)
    assert numbers and all(len(n.partition(".")[2]) <= 1 for n in numbers)


def test_height_grows_with_the_number_of_items():
    def height(svg):
        return float(parse(svg).get("viewBox").split()[3])

    assert height(index_bar_chart(ELEMENTS[:4])) > height(index_bar_chart(ELEMENTS[:2]))
    assert parse(index_bar_chart(ELEMENTS, width=360)).get("viewBox").split()[2] == "360"


def test_no_items_give_a_no_data_chart():
    root = parse(index_bar_chart([]))
    assert "chart-empty" in classes(root)
    assert texts(root) == ["Không có số liệu"]
    assert texts(parse(index_bar_chart([], language="en"))) == ["No data"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"label": "A", "estimate": 1.2, "lower": 0.8, "upper": 1.0, "n": 10}, "between 0 and 1"),
        ({"label": "A", "estimate": 0.8, "lower": 0.85, "upper": 0.9, "n": 10}, r"lower bound .* above its estimate"),
        ({"label": "A", "estimate": 0.8, "lower": 0.7, "upper": 0.75, "n": 10}, r"upper bound .* below its estimate"),
        ({"label": "A", "estimate": 0.8, "lower": 0.7, "upper": 0.9, "n": 0}, "above 0"),
        ({"label": "A", "estimate": 0.8, "lower": 0.7, "upper": 0.9}, "needs its sample size"),
        ({"label": "A", "estimate": 0.8, "n": 10}, "no_estimate=True"),
        ({"label": "A", "estimate": float("nan"), "lower": 0.7, "upper": 0.9, "n": 10}, "finite number"),
        ({"label": " ", "estimate": 0.8, "lower": 0.7, "upper": 0.9, "n": 10}, "non-empty text"),
        ({"label": "A", "no_estimate": True, "n": -1}, "must not be negative"),
    ],
)
def test_bad_items_are_refused_with_a_sentence(kwargs, message):
    with pytest.raises(ValueError, match=message):
        IndexItem(**kwargs)


def test_bad_chart_options_are_refused():
    with pytest.raises(ValueError, match=r"Vietnamese .* or English"):
        index_bar_chart(ELEMENTS, language="fr")
    with pytest.raises(ValueError, match="target must lie strictly between 0 and 1"):
        index_bar_chart(ELEMENTS, target=1.5)
    with pytest.raises(ValueError, match="width must be between"):
        index_bar_chart(ELEMENTS, width=100)
    with pytest.raises(ValueError, match="IndexItem"):
        index_bar_chart([("Tiếp cận", 0.9, 0.8, 0.95, 100)])


POINTS = Measure.points(18)
UNITS_IN_POINTS = [
    IndexItem("Huyện Mộc Châu", 15.6, 15.1, 16.1, n=200, measure=POINTS),
    IndexItem("Huyện Yên Châu", 12.3, 10.0, 14.1, n=30, measure=POINTS, highlight=True),
    IndexItem("Huyện Sốp Cộp", no_estimate=True, n=1, measure=POINTS),
]


def _points_scale(root):
    ticks = sorted((x, float(label.replace(",", "."))) for label, x in tick_positions(root).items())
    (xa, va), (xb, vb) = ticks[0], ticks[-1]
    return linear((va, xa), (vb, xb))


def test_bars_of_points_run_from_zero_to_the_maximum_without_a_target():
    root = parse(index_bar_chart(UNITS_IN_POINTS, target=None, language="vi"))
    labels = [text(tick) for tick in by_class(root, "tick")]
    assert labels[0] == "0" and labels[-1] == "18" and not any(label.endswith("%") for label in labels)
    assert by_class(root, "target") == [] and by_class(root, "target-label") == []
    x = _points_scale(root)
    bars = by_class(root, "bar")
    assert num(bars[0], "x") == pytest.approx(x(0), abs=0.1)
    assert num(bars[0], "x") + num(bars[0], "width") == pytest.approx(x(15.6), abs=0.15)
    assert [text(v) for v in by_class(root, "value")] == ["15,6", "12,3", "–"]
    assert "Huyện Mộc Châu: 15,6 / 18 điểm (KTC 95%: 15,1–16,1; n = 200)" in [title(g) for g in by_class(root, "item")]
    description = root.find(f"{SVG}desc").text
    assert "điểm trung bình (thang 18 điểm)" in description and "mục tiêu" not in description
    english = parse(index_bar_chart(UNITS_IN_POINTS, target=None, language="en"))
    assert "Huyện Yên Châu: 12.3 / 18 points (95% CI: 10.0–14.1; n = 30)" in [
        title(g) for g in by_class(english, "item")
    ]
    assert "%" not in "".join(text(v) for v in by_class(english, "value"))


def test_points_take_no_target_and_one_scale():
    with pytest.raises(ValueError, match="bars of points take none"):
        index_bar_chart(UNITS_IN_POINTS)  # the default target, 90%, is a share
    with pytest.raises(ValueError, match="one scale"):
        index_bar_chart([*UNITS_IN_POINTS, ELEMENTS[0]], target=None)
    with pytest.raises(ValueError, match="between 0 and 18 points"):
        IndexItem("A", 19.0, 17.0, 18.0, n=5, measure=POINTS)
    # a share index without a target (an integrity index) draws no target line either
    assert by_class(parse(index_bar_chart(ELEMENTS, target=None)), "target") == []


def test_an_estimate_too_thin_to_judge_has_no_bar_and_says_so():
    items = [*ELEMENTS[:2], IndexItem("Kết quả giải quyết", insufficient=True, n=4)]
    for language, phrase, summary in (
        ("vi", "chưa đủ phiếu để kết luận", "1 mục chưa đủ phiếu để kết luận."),
        ("en", "too few responses to conclude", "1 item has too few responses to conclude."),
    ):
        svg = index_bar_chart(items, language=language, target=0.9)
        root = parse(svg)
        assert len(by_class(root, "bar")) == 2
        assert phrase in texts(root)
        assert summary in svg and "3 of 3" not in svg and "3/3" not in svg
