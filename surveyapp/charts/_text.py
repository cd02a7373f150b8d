"""Text in charts: the phrases in each language, number formats, clean labels and their width.

SVG has no text layout, so labels are measured here before they are placed: widths come from a table of advance
widths, the larger of Noto Sans and DejaVu Sans for each character (the fonts the charts ask for, in that order),
so that a label measured here never overflows its space in either font. Letters with diacritics are measured
by their base letter (the horned ơ and ư by themselves: the horn widens them).
"""

from __future__ import annotations

import re
import unicodedata

from babel.numbers import format_decimal

from surveyapp.numbers import (
    Measure,
    format_estimate,
    format_percent,
    format_percent_short,
    format_scale_top,
    format_short,
    format_tick,
    format_value,
)

#: Languages the charts speak; numbers follow the same locale.
LANGUAGES = ("vi", "en")

#: A character's advance width in thousandths of an em, as (characters, width) groups: the larger of
#: Noto Sans and DejaVu Sans, regular weight (also used for italic, which is no wider in either font).
_REGULAR = (
    ("'", 275),
    ("ijl", 278),
    ("J", 295),
    (" ,.·’‘", 318),
    (":;", 337),
    ("I", 339),
    ("f", 353),
    ("-", 361),
    ("/\\", 372),
    ("()[]", 391),
    ("t", 393),
    ("!", 401),
    ("r", 413),
    ('"', 460),
    ("_`–", 500),
    ("“”", 519),
    ("s", 521),
    ("z", 525),
    ("?", 531),
    ("c", 550),
    ("*|", 551),
    ("L", 558),
    ("F", 576),
    ("k", 580),
    ("•", 590),
    ("vxy", 592),
    ("P", 605),
    ("TY", 611),
    ("o", 612),
    ("a", 613),
    ("eơ", 616),
    ("E", 632),
    ("hnu", 634),
    ("Sbdgpqđ", 635),
    ("$0123456789{}€", 637),
    ("K", 656),
    ("ư", 674),
    ("AV", 685),
    ("XZ", 686),
    ("B", 687),
    ("R", 695),
    ("C", 699),
    ("U", 732),
    ("H", 752),
    ("N", 760),
    ("D", 771),
    ("GĐ", 775),
    ("&", 780),
    ("OQ", 788),
    ("w", 818),
    ("#+<=>^~×≥≤", 838),
    ("Ư", 858),
    ("M", 907),
    ("Ơ", 914),
    ("%", 951),
    ("m", 975),
    ("W", 989),
    ("@—…", 1000),
    ("‰", 1342),
)

#: The same for the bold weight.
_BOLD = (
    ("'", 307),
    ("ijl", 343),
    (" ", 349),
    ("J", 373),
    (",.·’‘", 380),
    ("I", 389),
    (":;", 400),
    ("/\\", 413),
    ("-", 416),
    ("f", 436),
    ("!", 457),
    ("()[]", 458),
    ("t", 479),
    ("r", 494),
    ("_`–", 500),
    ('"', 521),
    ("*", 545),
    ("|", 551),
    ("?", 581),
    ("z", 583),
    ("c", 593),
    ("s", 596),
    ("L", 638),
    ("•", 640),
    ("x", 646),
    ("vy", 652),
    ("“”", 658),
    ("k", 666),
    ("a", 675),
    ("e", 679),
    ("T", 683),
    ("EF", 684),
    ("oơ", 688),
    ("$0123456789€", 696),
    ("hnu{}", 712),
    ("bdgpqđ", 716),
    ("S", 721),
    ("Y", 725),
    ("Z", 726),
    ("P", 733),
    ("C", 734),
    ("ư", 760),
    ("B", 763),
    ("RX", 771),
    ("AV", 774),
    ("K", 775),
    ("U", 813),
    ("G", 821),
    ("D", 831),
    ("HN", 837),
    ("#+<=>^~Đ×≥≤", 838),
    ("OQ", 851),
    ("&", 873),
    ("Ơ", 874),
    ("Ư", 885),
    ("w", 924),
    ("M", 996),
    ("@—…", 1000),
    ("%", 1002),
    ("m", 1042),
    ("W", 1104),
    ("‰", 1440),
)

_WIDTHS = {
    False: {char: width for chars, width in _REGULAR for char in chars},
    True: {char: width for chars, width in _BOLD for char in chars},
}
#: Width of a character missing from the table (other Latin letters, Greek, Cyrillic...), and of a wide one
#: (CJK ideographs, full-width forms).
_OTHER = {False: 700, True: 760}
_WIDE = 1000

#: Characters XML 1.0 does not allow in a document; a label containing them would make the SVG unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ELLIPSIS = "…"

_PHRASES: dict[str, dict[str, str]] = {
    "vi": {
        "target": "Mục tiêu {value}",
        "target_short": "Mục tiêu",
        "no_estimate": "không có số liệu",
        "reconstructed": "tái dựng từ các đơn vị trước sáp nhập",
        "insufficient": "chưa đủ phiếu để kết luận",
        "no_data": "Không có số liệu",
        "interval": "Khoảng tin cậy {level}",
        "highlight": "Cần ưu tiên cải thiện",
        "axis_from": "Trục bắt đầu từ {value}",
        "share": "Tỷ lệ hài lòng",
        "sample": "Cỡ mẫu (n)",
        "sample_effective": "Cỡ mẫu hiệu dụng (n*)",
        "log_scale": "thang logarit",
        "limit": "Giới hạn {level}",
        "above_998": "Trên giới hạn {level}",
        "above_95": "Trên giới hạn {level}",
        "inside": "Trong giới hạn",
        "below_95": "Dưới giới hạn {level}",
        "below_998": "Dưới giới hạn {level}",
        "bar_title": "Tỷ lệ hài lòng",
        "funnel_title": "Biểu đồ phễu: tỷ lệ hài lòng theo cỡ mẫu",
        "trend_title": "Tỷ lệ hài lòng theo kỳ",
        "sparkline_title": "Xu hướng tỷ lệ hài lòng",
        "points": "Điểm trung bình (thang {top})",
        "points_bar_title": "Điểm trung bình",
        "points_trend_title": "Điểm trung bình theo kỳ",
        "points_sparkline_title": "Xu hướng điểm trung bình",
        "n": "n = {n}",
        "n_effective": "n* = {n}",
        "ci": "KTC {level}: {lower}–{upper}",
    },
    "en": {
        "target": "Target {value}",
        "target_short": "Target",
        "no_estimate": "no data",
        "reconstructed": "reconstructed from the units merged into it",
        "insufficient": "too few responses to conclude",
        "no_data": "No data",
        "interval": "{level} confidence interval",
        "highlight": "Priority for improvement",
        "axis_from": "Axis starts at {value}",
        "share": "Share satisfied",
        "sample": "Sample size (n)",
        "sample_effective": "Effective sample size (n*)",
        "log_scale": "log scale",
        "limit": "{level} limit",
        "above_998": "Above {level} limit",
        "above_95": "Above {level} limit",
        "inside": "Within limits",
        "below_95": "Below {level} limit",
        "below_998": "Below {level} limit",
        "bar_title": "Share satisfied",
        "funnel_title": "Funnel plot: share satisfied by sample size",
        "trend_title": "Share satisfied by period",
        "sparkline_title": "Trend of the share satisfied",
        "points": "Mean points (out of {top})",
        "points_bar_title": "Mean points",
        "points_trend_title": "Mean points by period",
        "points_sparkline_title": "Trend of the mean points",
        "n": "n = {n}",
        "n_effective": "n* = {n}",
        "ci": "{level} CI: {lower}–{upper}",
    },
}


def check_language(language: str) -> str:
    """``language`` when the charts speak it, else a ``ValueError``."""
    if language not in LANGUAGES:
        raise ValueError(f"Charts are drawn in Vietnamese ('vi') or English ('en'); got {language!r}.")
    return language


def phrase(language: str, key: str, **values: str) -> str:
    """A fixed phrase of the charts in ``language``, with ``values`` filled in."""
    return _PHRASES[language][key].format(**values)


def percent(value: float, language: str, digits: int = 1) -> str:
    """``0.912`` → ``91,2%`` in Vietnamese, ``91.2%`` in English (:func:`surveyapp.numbers.format_percent`)."""
    return format_percent(value, language, digits)


def percent_short(value: float, language: str) -> str:
    """A percentage with as few decimals as it needs, up to two: ``90%``, ``99,8%``, ``92,25%``."""
    return format_percent_short(value, language)


def number_short(value: float, language: str) -> str:
    """A number with as few decimals as it needs, up to two: ``18``, ``16,5``."""
    return format_short(value, language)


def value(number: float, measure: Measure, language: str) -> str:
    """A value as a bar or a point is labelled: ``91,2%`` for a share, ``15,6`` for points."""
    return format_value(number, measure, language)


def with_unit(number: float, measure: Measure, language: str) -> str:
    """A value with its unit, as a tooltip states it: ``91,2%``, ``15,6 / 18 điểm``."""
    return format_estimate(number, measure, language)


def tick(number: float, measure: Measure, language: str) -> str:
    """An axis tick: ``90%`` or ``16``."""
    return format_tick(number, measure, language)


def scale_name(measure: Measure, language: str) -> str:
    """What the value axis shows: "Tỷ lệ hài lòng" / "Share satisfied", or "Điểm trung bình (thang 18 điểm)" /
    "Mean points (out of 18 points)"."""
    if measure.is_share:
        return phrase(language, "share")
    return phrase(language, "points", top=format_scale_top(measure, language))


def count(value: float, language: str) -> str:
    """A sample size rounded to a whole number, grouped in the language's style: ``1.234`` or ``1,234``."""
    return format_decimal(round(value), format="#,##0", locale=language)


def clean(text: str) -> str:
    """A label as it is drawn: NFC-normalised, characters XML forbids removed, runs of white space made one space."""
    text = _NOT_XML.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def _char_width(char: str, bold: bool) -> float:
    widths = _WIDTHS[bold]
    if char in widths:
        return widths[char]
    if unicodedata.combining(char):
        return 0
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0]
    if "\u031b" in decomposed:  # the horn of ơ and ư widens the letter
        base = unicodedata.normalize("NFC", base + "\u031b")
    if base in widths:
        return widths[base]
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return _WIDE
    return _OTHER[bold]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` set at ``size`` units, at most what Noto Sans or DejaVu Sans would take."""
    return sum(_char_width(char, bold) for char in text) * size / 1000


def ellipsize(text: str, width: float, size: float, bold: bool = False) -> str:
    """``text`` cut to fit ``width``, ending with an ellipsis when cut (at a word boundary when one is near)."""
    if text_width(text, size, bold) <= width:
        return text
    room = width - text_width(ELLIPSIS, size, bold)
    used, keep = 0.0, 0
    while keep < len(text):
        used += _char_width(text[keep], bold) * size / 1000
        if used > room:
            break
        keep += 1
    cut = text[:keep]
    space = cut.rfind(" ")
    if space >= max(1, len(cut) * 2 // 3):
        cut = cut[:space]
    return cut.rstrip(" ,;:-–") + ELLIPSIS


def wrap(text: str, width: float, size: float, max_lines: int = 2, bold: bool = False) -> tuple[list[str], bool]:
    """Break ``text`` at spaces into at most ``max_lines`` lines of ``width``, ellipsising what overflows.

    Returns the lines and whether the text was shortened (so that the caller can give the full text in a title).
    """
    words = text.split(" ")
    lines: list[str] = []
    current, start = "", 0
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if not current or text_width(candidate, size, bold) <= width:
            current = candidate
            continue
        if len(lines) == max_lines - 1:
            break
        lines.append(current)
        current, start = word, index
    lines.append(" ".join(words[start:]))
    fitted = [ellipsize(line, width, size, bold) for line in lines]
    return fitted, fitted != lines
