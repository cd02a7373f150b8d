"""Languages as data: language folders, questionnaire texts per language, and the kiosk's Vietnamese fallback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp import languages
from surveyapp.config import PROJECT_ROOT
from surveyapp.datafiles import DefinitionError
from surveyapp.db import db
from surveyapp.questionnaires.loader import definition_files, read_all
from surveyapp.responses.models import Response
from tests.helpers import form_of

SIPAS_COUNTER = "so-noi-vu-1"  # keeps the full form
SURVEYS = PROJECT_ROOT / "surveys"

HMN_RATING = """\
format = 1
instrument = "rating"
version = 1
language = "hmn"
title = "Ntsuas"
[questions.rating]
text = "Koj puas txaus siab?"
[scales.rating.points]
3 = "Zoo heev"
"""


def test_shipped_languages_are_discovered_in_switch_order():
    codes = [lang.code for lang in languages.registered()]
    assert codes == ["vi", "blt", "hmn"]
    assert languages.language("hmn").label == "Hmoob · Tiếng H'Mông"
    assert languages.language("blt").label == "Tai Dam · Tiếng Thái"
    assert languages.language("vi").label == "Tiếng Việt"
    assert languages.voice("vi") == "vi" and languages.voice("en") == "en-gb"
    assert languages.voice("hmn") is None and languages.voice("blt") is None


def test_a_language_is_a_folder(tmp_path):
    shutil.copytree(PROJECT_ROOT / "surveyapp" / "translations" / "vi", tmp_path / "vi")
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "language.toml").write_text(
        'format = 1\ncode = "xx"\nname = "Ngôn ngữ X"\nname_vi = "Tiếng X"\norder = 5\n', encoding="utf-8"
    )
    found = languages.registered(tmp_path)
    assert [lang.code for lang in found] == ["vi", "xx"]
    assert found[1].locale == "vi" and found[1].voice is None


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('format = 1\ncode = "yy"\nname = "Y"\nname_vi = "Tiếng Y"\n', "differs from its folder 'xx'"),
        ('format = 1\ncode = "xx"\nname = "Y"\n', "'name_vi' is a required property"),
        ('format = 1\ncode = "xx"\nname = "Y"\nname_vi = "Tiếng Y"\ncolour = 1\n', "unknown key"),
        ('format = 1\ncode = "xx"\nname = "Y"\nname_vi = "Tiếng Y"\nvoice = "vi; rm"\n', "voice"),
    ],
)
def test_a_broken_language_file_is_refused_with_its_problem(tmp_path, body, words):
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "language.toml").write_text(body, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        languages.registered(tmp_path)
    assert words in caught.value.describe()


def _surveys_with(tmp_path: Path, name: str, text: str) -> Path:
    directory = tmp_path / "surveys"
    directory.mkdir()
    shutil.copy(SURVEYS / "rating-v1.toml", directory)
    (directory / "translations").mkdir()
    (directory / "translations" / name).write_text(text, encoding="utf-8")
    return directory


def test_questionnaire_texts_in_a_language_are_checked_and_not_definitions(tmp_path):
    directory = _surveys_with(tmp_path, "rating-v1.hmn.toml", HMN_RATING)
    assert [p.name for p in definition_files(directory)] == ["rating-v1.toml"]
    [(_, questionnaire)] = read_all(directory)
    shown = languages.localised(questionnaire, "hmn", str(directory))
    question = shown.question("rating")
    assert question.text.get("hmn") == "Koj puas txaus siab?" and question.text.has("hmn")
    labels = {p.value: (p.label.get("hmn"), p.label.has("hmn")) for p in question.scale.points}
    assert labels[3] == ("Zoo heev", True)
    assert labels[1] == ("Không hài lòng", False)  # missing: the Vietnamese text, marked as a fallback
    assert shown.title.get("hmn") == "Ntsuas"
    assert shown.digest == questionnaire.digest  # the stored version is unchanged
    assert languages.localised(questionnaire, "blt", str(directory)) is questionnaire  # no file: as it is


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("rating-v1.hmn.toml", HMN_RATING.replace("questions.rating", "questions.nope"), "'nope' is not a question"),
        ("rating-v1.hmn.toml", HMN_RATING.replace('3 = "Zoo heev"', '9 = "Zoo heev"'), "has no point 9"),
        ("rating-v2.hmn.toml", HMN_RATING, "must be named rating-v1.hmn.toml"),
        ("rating-v1.xx.toml", HMN_RATING.replace('"hmn"', '"xx"'), "has no folder"),
        ("rating-v1.hmn.toml", HMN_RATING.replace("version = 1", "version = 7"), "is not defined"),
        ("rating-v1.hmn.toml", "footer = 1\n" + HMN_RATING, "unknown key"),
    ],
)
def test_a_broken_translation_file_stops_loading_with_its_path(tmp_path, name, text, words):
    if "version = 7" in text:
        name = "rating-v7.hmn.toml"
    directory = _surveys_with(tmp_path, name, text)
    with pytest.raises(DefinitionError) as caught:
        read_all(directory)
    message = caught.value.describe()
    assert f"translations/{name}" in message and words in message


def test_kiosk_lists_every_language_by_its_own_name(loaded_client):
    html = loaded_client.get(f"/k/{SIPAS_COUNTER}").get_data(as_text=True)
    for name in ("Tiếng Việt", "Tai Dam · Tiếng Thái", "Hmoob · Tiếng H&#39;Mông", "English"):
        assert name in html
    assert html.index("Tiếng Việt") < html.index("Tai Dam") < html.index("Hmoob") < html.index("English")
    survey = loaded_client.get(f"/k/{SIPAS_COUNTER}/survey?lang=hmn").get_data(as_text=True)
    assert '<html lang="hmn">' in survey


@pytest.mark.parametrize("language", ["blt", "hmn"])
def test_missing_texts_show_in_vietnamese_with_the_faces_and_say_so(loaded_client, language):
    html = loaded_client.get(f"/k/{SIPAS_COUNTER}/survey?lang={language}").get_data(as_text=True)
    assert "Trụ sở sạch sẽ, văn minh" in html  # the question, in Vietnamese
    assert "Rất hài lòng" in html and 'class="face' in html  # the answers, with their faces
    assert '<span class="fallback" lang="vi"><svg class="flag"' in html
    assert "(tiếng Việt)" in html
    assert "Next" not in html  # interface strings fall back to Vietnamese, never to English
    assert "Tiếp →" in html and "Gửi ý kiến ✓" in html


def test_a_translated_interface_string_is_used(loaded_client):
    thanks = loaded_client.get(f"/k/{SIPAS_COUNTER}/thanks?lang=hmn").get_data(as_text=True)
    assert "Ua tsaug!" in thanks
    assert "Xin cảm ơn" not in thanks


def test_an_answer_given_in_hmong_is_stored_in_hmong(loaded_app, loaded_client):
    loaded_app.config["FLAG_HOURS_GRACE_MINUTES"] = 24 * 60
    page = loaded_client.get("/k/ttpv-quynh-nhai-tong-hop/survey?field=land&lang=hmn").get_data(as_text=True)
    action, hidden = form_of(page)
    posted = loaded_client.post(action, data={**hidden, "q-rating": "3"})
    assert posted.status_code == 303, posted.get_data(as_text=True)
    assert posted.headers["Location"].endswith("lang=hmn")
    with loaded_app.app_context():
        [row] = db.session.scalars(select(Response)).all()
        assert row.language == "hmn"


@pytest.mark.parametrize("language", ["blt", "hmn"])
def test_every_language_catalogue_is_compiled(language):
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = PROJECT_ROOT / "surveyapp" / "translations" / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        po = {m.id: m.string for m in read_po(handle) if m.id and m.string and not m.fuzzy}
    with (folder / "messages.mo").open("rb") as handle:
        mo = {m.id: m.string for m in read_mo(handle) if m.id}
    assert mo == po, "run pybabel compile -d surveyapp/translations"


def test_the_offline_app_keeps_every_language_and_its_clips(loaded_client):
    html = loaded_client.get(f"/kiosk/c/{SIPAS_COUNTER}?lang=hmn").get_data(as_text=True)
    assert '<html lang="hmn">' in html and "Hmoob · Tiếng H&#39;Mông" in html
    for url in (
        f"/kiosk/c/{SIPAS_COUNTER}?lang=blt",
        "/kiosk/voice/sipas/2/hmn/question/access_info",
        "/kiosk/voice/sipas/2/blt/point/satisfaction/5",
        "/kiosk/voice/sipas/2/vi/skip",
    ):
        assert url.replace("&", "&amp;") in html or url in html


def test_the_kiosk_font_has_every_letter_of_every_language():
    from babel.messages.pofile import read_po
    from fontTools.ttLib import TTFont

    texts = [lang.label for lang in languages.registered()]
    for lang in languages.registered():
        with (PROJECT_ROOT / "surveyapp" / "translations" / lang.code / "LC_MESSAGES" / "messages.po").open("rb") as f:
            texts += [m.string for m in read_po(f) if m.id and m.string]
    texts += [path.read_text(encoding="utf-8") for path in sorted(SURVEYS.glob("*.toml"))]
    letters = {c for text in texts for c in text if c.isalpha()}
    for weight in ("Regular", "Bold"):
        font = TTFont(PROJECT_ROOT / "surveyapp" / "static" / "fonts" / f"NotoSans-{weight}.woff2")
        covered = font.getBestCmap()
        assert sorted(c for c in letters if ord(c) not in covered) == [], weight
