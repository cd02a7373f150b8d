"""Questionnaire definitions: the shipped files, the checks on broken ones, screens and the byte layout."""

from __future__ import annotations

import copy
import tomllib
import unicodedata
from pathlib import Path

import pytest

from surveyapp.config import PROJECT_ROOT
from surveyapp.datafiles import DefinitionError
from surveyapp.questionnaires.definition import build
from surveyapp.questionnaires.loader import read_all, read_definition

SURVEYS = PROJECT_ROOT / "surveys"


def shipped(name: str) -> dict:
    return tomllib.loads((SURVEYS / name).read_text(encoding="utf-8"))


def problems_of(document: dict) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionError) as caught:
        build(document, "broken.toml")
    assert caught.value.source == "broken.toml"
    return caught.value.problems


def test_shipped_questionnaires_are_valid():
    found = {(q.instrument, q.version): q for _, q in read_all(SURVEYS)}
    assert set(found) == {("sipas", 1), ("sipas", 2), ("rating", 1), ("rating", 2), ("case", 1)}
    sipas = found["sipas", 1]
    assert [e.code for e in sipas.elements] == ["access", "procedure", "staff", "result", "feedback"]
    assert [len([q for q in sipas.criteria if q.element == e.code]) for e in sipas.elements] == [4, 4, 5, 3, 3]
    assert {q.role for q in sipas.questions} >= {"overall", "harassment", "informal_payment", "improve", "profile"}
    assert len(found["case", 1].by_role("case_indicator")) == 9
    rating = found["rating", 1].by_role("rating")[0]
    assert [p.label.get("vi") for p in rating.scale.points] == ["Không hài lòng", "Hài lòng", "Rất hài lòng"]
    balanced = found["rating", 2].by_role("rating")[0].scale.points  # two negative faces, neutral, two positive
    assert [p.face for p in balanced] == ["very-dissatisfied", "dissatisfied", "neutral", "satisfied", "very-satisfied"]
    assert [p.value for p in balanced if p.satisfied] == [4, 5]


def test_sipas_wording_matches_the_national_form_in_nfc():
    sipas = read_definition(SURVEYS / "sipas-v1.toml", SURVEYS)
    texts = {q.code: q.text.get("vi") for q in sipas.criteria}
    assert texts["access_info"] == "Thông tin về giải quyết thủ tục hành chính đa hình thức, dễ tiếp cận, dễ hiểu"
    assert texts["staff_guidance"] == "Hướng dẫn dễ hiểu, hoàn thiện hồ sơ sau một lần hướng dẫn"
    assert texts["feedback_notified"] == "Thông báo kết quả xử lý kịp thời"
    for question in sipas.questions:
        for text in question.text.values.values():
            assert unicodedata.is_normalized("NFC", text)
        assert question.text.has("en"), question.code


def test_nfd_text_is_normalised_when_loaded():
    document = shipped("rating-v1.toml")
    document["title"]["vi"] = unicodedata.normalize("NFD", "Đánh giá nhanh")
    questionnaire = build(document, "rating.toml")
    assert questionnaire.title.get("vi") == unicodedata.normalize("NFC", "Đánh giá nhanh")


def test_screens_follow_first_appearance_and_hold_their_questions():
    sipas = read_definition(SURVEYS / "sipas-v1.toml", SURVEYS)
    screens = list(sipas.screens())
    assert [s.code for s in screens][:6] == ["access", "procedure", "staff", "result", "feedback", "overall"]
    assert screens[0].element is not None and screens[5].element is None
    assert [q.code for q in screens[7].questions] == ["improve", "comment"]


def test_byte_layout_is_fixed_by_question_order():
    sipas = read_definition(SURVEYS / "sipas-v1.toml", SURVEYS)
    slots = {slot.question.code: (slot.offset, slot.width) for slot in sipas.slots}
    assert slots["access_info"] == (0, 1)
    assert slots["feedback_notified"] == (18, 1)
    assert slots["improve"] == (22, 1)  # eight options fit one byte
    assert "comment" not in slots
    assert sipas.width == 29


def test_unchanged_content_has_the_same_digest_and_changed_content_another():
    a = build(shipped("sipas-v1.toml"), "a")
    b = build(shipped("sipas-v1.toml"), "b")
    changed = shipped("sipas-v1.toml")
    changed["questions"][0]["text"]["en"] = "Something else"
    assert a.digest == b.digest
    assert build(changed, "c").digest != a.digest


def _broken(mutate):
    document = copy.deepcopy(shipped("sipas-v1.toml"))
    mutate(document)
    return document


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (lambda d: d["questions"][0].update(scale="satisfacton"), "questions[0].scale", "not defined"),
        (lambda d: d["questions"][1].update(element="acces"), "questions[1].element", "not one of the elements"),
        (lambda d: d["questions"][2].update(code="access_info"), "questions[2].code", "used twice"),
        (lambda d: d["questions"][3]["text"].pop("vi"), "questions[3].text", "reference language 'vi'"),
        (lambda d: d["questions"][3]["text"].update(fr="Bonjour"), "questions[3].text", "not listed in 'languages'"),
        (lambda d: d["elements"][0].update(weight=0), "elements[0].weight", "0"),
        (lambda d: d["questions"][0].update(type="single"), "questions[0]", "options"),
        (lambda d: d["questions"][0].pop("element"), "questions[0]", "exactly one of 'element'"),
        (lambda d: d["questions"][0].update(colour="red"), "questions[0]", "unknown key"),
        (lambda d: d["questions"][0].update(code="Access Info"), "questions[0].code", "not a valid code"),
        (lambda d: d.update(version=0), "version", "minimum"),
        (lambda d: d.pop("instrument"), "", "'instrument' is a required property"),
        (lambda d: d["questions"][22].update(max_choices=20), "questions[22].max_choices", "larger than"),
        (lambda d: d["questions"][20]["options"][0].update(counted=False), "questions[20]", "counted"),
        (lambda d: d["elements"].append({"code": "empty", "title": {"vi": "Trống"}}), "elements[5]", "no criteria"),
        (lambda d: d["questions"][0].update(audio={"fr": "a.ogg"}), "questions[0].audio", "not listed"),
        (lambda d: d["questions"][0].update(audio={"vi": "../secret.ogg"}), "questions[0].audio.vi", "match"),
        (lambda d: d["questions"][0].update(audio={"vi": "/etc/x.ogg"}), "questions[0].audio.vi", "match"),
        (
            lambda d: d["questions"][0].update(options=d["questions"][20]["options"]),
            "questions[0].options",
            "not used by a scale question",
        ),
    ],
    ids=[
        "unknown-scale",
        "unknown-element",
        "duplicate-code",
        "missing-reference-text",
        "unlisted-language",
        "zero-weight",
        "single-without-options",
        "neither-element-nor-section",
        "unknown-key",
        "bad-code",
        "version-zero",
        "missing-instrument",
        "max-choices",
        "integrity-without-counted",
        "empty-element",
        "audio-language",
        "audio-outside-its-directory",
        "audio-absolute-path",
        "scale-with-options",
    ],
)
def test_broken_definitions_name_the_place_and_the_problem(mutate, path, words):
    problems = problems_of(_broken(mutate))
    assert any(p == path and words in message for p, message in problems), problems


def test_kind_specific_rules():
    rating = shipped("rating-v1.toml")
    rating["questions"][0]["role"] = "overall"
    assert any("role 'rating'" in m for _, m in problems_of(rating))
    case = shipped("case-v1.toml")
    del case["grades"]
    assert any("grade bands" in m for _, m in problems_of(case))
    case = shipped("case-v1.toml")
    case["grades"].reverse()
    assert any("highest min_points" in m for _, m in problems_of(case))


def test_error_message_lists_every_problem_with_file_and_path():
    document = _broken(lambda d: (d["questions"][0].update(scale="nope"), d["questions"][1].update(element="nope")))
    with pytest.raises(DefinitionError) as caught:
        build(document, "surveys/sipas-v2.toml")
    text = str(caught.value)
    assert text.startswith("surveys/sipas-v2.toml: 2 problem(s)")
    assert "questions[0].scale" in text and "questions[1].element" in text


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b'instrument = "x"\nversion = =', "not valid TOML"),
    ],
)
def test_unreadable_files_are_refused_with_a_sentence(tmp_path: Path, content: bytes, words: str):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(DefinitionError) as caught:
        read_definition(path, tmp_path)
    assert words in str(caught.value)


def test_named_audio_must_exist(tmp_path: Path):
    document = (SURVEYS / "rating-v1.toml").read_text(encoding="utf-8")
    document = document.replace(
        'text = { vi = "Mức độ hài lòng"', 'audio = { vi = "rating.vi.ogg" }\ntext = { vi = "Mức độ hài lòng"'
    )
    (tmp_path / "rating-v1.toml").write_text(document, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        read_definition(tmp_path / "rating-v1.toml", tmp_path)
    assert caught.value.problems == [("questions.rating.audio.vi", "file audio/rating.vi.ogg does not exist")]
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "rating.vi.ogg").write_bytes(b"OggS")
    assert read_definition(tmp_path / "rating-v1.toml", tmp_path).question("rating").audio == {"vi": "rating.vi.ogg"}


def test_two_files_with_the_same_version_are_refused(tmp_path: Path):
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text((SURVEYS / "rating-v1.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        read_all(tmp_path)
    assert "also defined in a.toml" in str(caught.value)
