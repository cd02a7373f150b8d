"""Fixed phrases, number formats, label cleaning and the text measure behind the layouts."""

from __future__ import annotations

import glob

import pytest
from fontTools.ttLib import TTFont

from surveyapp.charts import _text
from surveyapp.i18n import format_percent

#: The regular and bold faces the charts ask for (installed by scripts/setup: fonts-noto-core, fonts-dejavu-core).
FONTS = {
    False: ["NotoSans-Regular.ttf", "DejaVuSans.ttf"],
    True: ["NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf"],
}
SAMPLES = [
    "Tiếp cận dịch vụ",
    "Thủ tục hành chính",
    "Sự phục vụ của công chức",
    "Kết quả giải quyết thủ tục hành chính",
    "Ủy ban nhân dân huyện Sốp Cộp",
    "ĐƯỜNG ƠN ƯỚC Ữ",
    "Mục tiêu 90% — 1.234 (n*) > 5",
    "WWW mmm @@@ %%%",
]


def _font_file(name: str) -> str:
    found = sorted(glob.glob(f"/usr/share/fonts/**/{name}", recursive=True))
    assert found, f"{name} is missing; scripts/setup installs fonts-noto-core and fonts-dejavu-core."
    return found[0]


def _advance(font: TTFont, text: str, size: float) -> float:
    cmap, metrics, units = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    total = 0
    for char in text:
        total += metrics[cmap[ord(char)]][0]
    return total * size / units


@pytest.mark.parametrize("bold", [False, True])
def test_measured_width_is_never_narrower_than_either_font(bold):
    # Each character alone, and whole labels (precomposed Vietnamese letters are measured by their base letter).
    for name in FONTS[bold]:
        font = TTFont(_font_file(name))
        for sample in SAMPLES:
            for char in set(sample):
                assert _text.text_width(char, 1000, bold) >= _advance(font, char, 1000) - 1, (name, char)
            assert _text.text_width(sample, 15, bold) >= _advance(font, sample, 15) - 0.05
            assert _text.text_width(sample, 15, bold) <= _advance(font, sample, 15) * 1.35  # and not far off


def test_percentages_match_the_app_format():
    for value in (0.912, 0.9, 0.8755, 1.0, 0.0, 0.0049):
        for language in ("vi", "en"):
            assert _text.percent(value, language) == format_percent(value, language)
    assert _text.percent_short(0.9, "vi") == "90%"
    assert _text.percent_short(0.998, "vi") == "99,8%"
    assert _text.percent_short(0.998, "en") == "99.8%"
    assert _text.count(1234.4, "vi") == "1.234" and _text.count(1234.4, "en") == "1,234"


def test_clean_normalises_and_drops_what_xml_forbids():
    assert _text.clean("  Xã\x00 Chiềng\tMung \ufffe\n") == "Xã Chiềng Mung"
    decomposed = "Tie\u0302\u0301p"  # "Tiếp" with combining marks
    assert _text.clean(decomposed) == "Tiếp"


def test_wrap_and_ellipsis():
    lines, shortened = _text.wrap("Kết quả giải quyết thủ tục hành chính", 160, 15)
    assert len(lines) == 2 and not shortened
    assert " ".join(lines) == "Kết quả giải quyết thủ tục hành chính"
    assert all(_text.text_width(line, 15) <= 160 for line in lines)
    lines, shortened = _text.wrap("Công chức có thái độ giao tiếp lịch sự khi tiếp nhận hồ sơ của người dân", 160, 15)
    assert shortened and len(lines) == 2 and lines[1].endswith("…")
    assert all(_text.text_width(line, 15) <= 160 for line in lines)
    assert _text.ellipsize("Tiếp cận", 500, 15) == "Tiếp cận"
    assert _text.ellipsize("Supercalifragilistic", 60, 15).endswith("…")
    assert _text.wrap("Một hai ba", 1000, 15, max_lines=1) == (["Một hai ba"], False)


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="Vietnamese"):
        _text.check_language("vi-VN")
