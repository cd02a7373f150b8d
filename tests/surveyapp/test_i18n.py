"""Translations and number formatting."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from surveyapp.i18n import format_percent, language_name

TRANSLATIONS = Path(__file__).resolve().parents[2] / "surveyapp" / "translations"


def test_vietnamese_catalog_is_complete_and_compiled():
    with (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle)
    with (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        mo = read_mo(handle)
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        pot = read_po(handle)
    untranslated = [m.id for m in po if m.id and not m.string]
    assert untranslated == []
    assert {m.id for m in pot if m.id} <= {m.id for m in po if m.id}, "run pybabel update"
    compiled = {m.id: m.string for m in mo if m.id}
    assert compiled == {m.id: m.string for m in po if m.id and not m.fuzzy}, "run pybabel compile"


def test_percentages_in_vietnamese_and_english_style():
    assert format_percent(0.912, "vi") == "91,2%"
    assert format_percent(0.912, "en") == "91.2%"
    assert format_percent(1.0, "vi") == "100,0%"
    assert format_percent(None) == "–"
    assert format_percent(float("nan")) == "–"


def test_language_names_are_their_own():
    assert language_name("vi") == "Tiếng Việt"
    assert language_name("en") == "English"
    assert language_name("zz-unknown") == "zz-unknown"


def test_differences_in_percentage_points():
    from surveyapp.i18n import format_points

    assert format_points(0.013, "vi") == "+1,3 điểm %"
    assert format_points(-0.0026, "en") == "−0.3 pp"
    assert format_points(None) == "–"
