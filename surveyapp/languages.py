"""Kiosk languages as data: a folder ``surveyapp/translations/<code>/`` with a ``language.toml`` (names, order,
locale, espeak-ng voice) and, optionally, ``LC_MESSAGES/messages.po`` (interface strings) makes a language;
``surveys/translations/<instrument>-v<version>.<code>.toml`` files add its questionnaire texts.

Nothing in the code names Thái or H'Mông: adding a language is adding its folder (and compiling its catalogue).
Whatever a language lacks falls back to Vietnamese, the reference language: an interface string missing from its
catalogue is looked up in the Vietnamese one, a questionnaire text missing from its file shows in Vietnamese
with the "in Vietnamese" mark. English is the source language of the interface strings and needs no folder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel import support
from flask import current_app, g, has_app_context
from flask_babel import Domain, get_locale

from surveyapp.config import PROJECT_ROOT
from surveyapp.datafiles import DefinitionError, read_toml, validate
from surveyapp.questionnaires.definition import Questionnaire, Scale, Text

#: Where language folders live (the Babel catalogue directory).
TRANSLATIONS_DIR = PROJECT_ROOT / "surveyapp" / "translations"
#: Questionnaire texts in more languages, beside the questionnaire definitions.
QUESTIONNAIRE_TRANSLATIONS = "translations"
#: The language every other one falls back to.
REFERENCE = "vi"


@dataclass(frozen=True)
class Language:
    code: str
    #: The language's own name, as its speakers write it.
    name: str
    #: Its name in Vietnamese.
    name_vi: str
    order: int
    #: CLDR locale used for numbers and dates (languages without CLDR data use Vietnamese conventions).
    locale: str
    #: espeak-ng voice, or ``None`` when read-aloud in this language comes only from recordings.
    voice: str | None

    @property
    def label(self) -> str:
        """What the language switch shows: the own name, and the Vietnamese one when it differs."""
        return self.name if self.name == self.name_vi else f"{self.name} · {self.name_vi}"


def read_language(path: Path) -> Language:
    """Read and validate one ``language.toml``; its ``code`` must be its folder's name."""
    source = str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)
    data = read_toml(path, source)
    validate("language", data, source)
    if data["code"] != path.parent.name:
        raise DefinitionError(source, [("code", f"'{data['code']}' differs from its folder '{path.parent.name}'")])
    return Language(
        code=data["code"],
        name=data["name"],
        name_vi=data["name_vi"],
        order=data.get("order", 100),
        locale=data.get("locale", REFERENCE),
        voice=data.get("voice"),
    )


@cache
def registered(directory: Path = TRANSLATIONS_DIR) -> tuple[Language, ...]:
    """Every language with a ``language.toml`` under ``directory``, in switch order."""
    found = [read_language(path) for path in sorted(directory.glob("*/language.toml"))]
    return tuple(sorted(found, key=lambda language: (language.order, language.code)))


def language(code: str) -> Language | None:
    return next((lang for lang in registered() if lang.code == code), None)


def all_languages() -> tuple[str, ...]:
    """The registered languages, then the configured ones without a folder (English), without repeats."""
    codes = [lang.code for lang in registered()]
    configured = current_app.config["LANGUAGES"] if has_app_context() else ("vi", "en")
    return tuple(dict.fromkeys([*codes, *configured]))


def kiosk_languages(questionnaire: Questionnaire) -> list[str]:
    """The languages a kiosk offers for ``questionnaire``: every registered language (what it lacks shows in
    Vietnamese) and the configured ones the questionnaire has texts in."""
    registered_codes = {lang.code for lang in registered()}
    return [code for code in all_languages() if code in registered_codes or code in questionnaire.languages]


def babel_locale(code: str) -> str:
    """The CLDR locale Flask-Babel formats with for ``code``."""
    lang = language(code)
    return lang.locale if lang else code


def voice(code: str) -> str | None:
    """The espeak-ng voice for ``code`` (``en`` has no folder: British English)."""
    lang = language(code)
    if lang is not None:
        return lang.voice
    return {"en": "en-gb"}.get(code)


class FallbackDomain(Domain):
    """Flask-Babel's message domain, choosing the catalogue by the page's language (``g.language``) rather than
    by its CLDR locale, and falling back to the Vietnamese catalogue for strings a language does not have yet."""

    def get_translations(self):
        if not has_app_context():
            return support.NullTranslations()
        code = g.get("language") or str(get_locale() or REFERENCE)
        cache = self.get_translations_cache(None)
        key = ("language", code)
        if key not in cache:
            directories = self.translation_directories
            translations = _load(directories, code)
            if code not in (REFERENCE, "en") and language(code) is not None:
                translations.add_fallback(_load(directories, REFERENCE))
            cache[key] = translations
        return cache[key]


@cache
def translated(code: str, message: str) -> str | None:
    """``message`` (an interface string) in language ``code`` from that language's own catalogue, without
    falling back; ``None`` when it has no translation (English, the source language, always has it)."""
    if code == "en":
        return message
    catalogue = _load([str(TRANSLATIONS_DIR)], code)
    words = catalogue.gettext(message)
    return words if words != message or message in getattr(catalogue, "_catalog", {}) else None


def _load(directories: Iterable[str], code: str):
    merged = support.Translations()
    for directory in directories:
        catalogue = support.Translations.load(directory, [code], "messages")
        merged.merge(catalogue)
        if hasattr(catalogue, "plural"):  # merge() keeps the messages only
            merged.plural = catalogue.plural
    return merged


# --- questionnaire texts in more languages ---------------------------------------------------------------------


def translation_files(surveys_dir: Path) -> list[Path]:
    return sorted((surveys_dir / QUESTIONNAIRE_TRANSLATIONS).glob("*.toml"))


def read_translation(path: Path, questionnaire_of, source: str) -> dict[str, Any]:
    """Read one questionnaire translation file and check it against its questionnaire.

    ``questionnaire_of(instrument, version)`` returns the :class:`Questionnaire` or ``None``. The file's name must
    be ``<instrument>-v<version>.<language>.toml`` and match its contents; every code it names must exist.
    """
    data = read_toml(path, source)
    validate("questionnaire-translation", data, source)
    expected = f"{data['instrument']}-v{data['version']}.{data['language']}.toml"
    if path.name != expected:
        raise DefinitionError(source, [("", f"the file for these texts must be named {expected}")])
    if language(data["language"]) is None:
        raise DefinitionError(
            source,
            [
                (
                    "language",
                    f"'{data['language']}' has no folder surveyapp/translations/{data['language']}/language.toml",
                )
            ],
        )
    questionnaire = questionnaire_of(data["instrument"], data["version"])
    if questionnaire is None:
        raise DefinitionError(source, [("version", f"{data['instrument']} v{data['version']} is not defined")])
    problems = _unknown_codes(data, questionnaire)
    if problems:
        raise DefinitionError(source, problems)
    return data


def _unknown_codes(data: Mapping[str, Any], q: Questionnaire) -> list[tuple[str, str]]:
    problems = []
    for code, spec in data.get("scales", {}).items():
        scale = q.scales.get(code)
        if scale is None:
            problems.append((f"scales.{code}", f"'{code}' is not a scale of {q.instrument} v{q.version}"))
            continue
        for value in spec.get("points", {}):
            if scale.point(int(value)) is None:
                problems.append((f"scales.{code}.points.{value}", f"scale '{code}' has no point {value}"))
    for kind, known in (("elements", q.elements), ("sections", q.sections), ("grades", q.grades)):
        codes = {item.code for item in known}
        problems += [(f"{kind}.{c}", f"'{c}' is not one of the {kind}") for c in data.get(kind, {}) if c not in codes]
    for code, spec in data.get("questions", {}).items():
        try:
            question = q.question(code)
        except KeyError:
            problems.append((f"questions.{code}", f"'{code}' is not a question of {q.instrument} v{q.version}"))
            continue
        for option in spec.get("options", {}):
            if question.option(option) is None:
                problems.append((f"questions.{code}.options.{option}", f"question '{code}' has no option '{option}'"))
    return problems


#: Localised questionnaires by (digest, language, file modification time): built once per process and file.
_LOCALISED: dict[tuple[str, str, int], Questionnaire] = {}


def localised(questionnaire: Questionnaire, code: str, surveys_dir: str | None = None) -> Questionnaire:
    """``questionnaire`` with the texts of ``surveys/translations/<instrument>-v<version>.<code>.toml`` added in
    language ``code``; texts the file lacks keep falling back to the reference language. Unchanged for the
    questionnaire's own languages or when there is no file."""
    if code in questionnaire.languages:
        return questionnaire
    directory = Path(surveys_dir or current_app.config["SURVEYS_DIR"])
    name = f"{questionnaire.instrument}-v{questionnaire.version}.{code}.toml"
    path = directory / QUESTIONNAIRE_TRANSLATIONS / name
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return questionnaire
    key = (questionnaire.digest, code, mtime)
    if key not in _LOCALISED:
        source = f"{QUESTIONNAIRE_TRANSLATIONS}/{name}"
        data = read_translation(path, lambda _i, _v: questionnaire, source)
        _LOCALISED[key] = merge(questionnaire, data, code)
    return _LOCALISED[key]


def merge(q: Questionnaire, data: Mapping[str, Any], code: str) -> Questionnaire:
    """A copy of ``q`` whose texts carry ``code`` where ``data`` (a validated translation file) gives one."""

    def add(text: Text | None, value: str | None) -> Text | None:
        if text is None or not value:
            return text
        return Text({**text.values, code: value}, text.reference)

    scales = {}
    for scale_code, scale in q.scales.items():
        labels = data.get("scales", {}).get(scale_code, {}).get("points", {})
        points = tuple(dataclasses.replace(p, label=add(p.label, labels.get(str(p.value)))) for p in scale.points)
        scales[scale_code] = Scale(scale_code, points)

    def titled(items, kind):
        given = data.get(kind, {})
        return tuple(dataclasses.replace(i, title=add(i.title, given.get(i.code, {}).get("title"))) for i in items)

    questions = []
    for question in q.questions:
        given = data.get("questions", {}).get(question.code, {})
        options = tuple(
            dataclasses.replace(o, text=add(o.text, given.get("options", {}).get(o.code))) for o in question.options
        )
        questions.append(
            dataclasses.replace(
                question,
                text=add(question.text, given.get("text")),
                help=add(question.help, given.get("help")),
                options=options,
                scale=scales[question.scale.code] if question.scale else None,
            )
        )
    grades = tuple(
        dataclasses.replace(g_, label=add(g_.label, data.get("grades", {}).get(g_.code, {}).get("label")))
        for g_ in q.grades
    )
    return dataclasses.replace(
        q,
        title=add(q.title, data.get("title")),
        intro=add(q.intro, data.get("intro")),
        scales=scales,
        elements=titled(q.elements, "elements"),
        sections=titled(q.sections, "sections"),
        questions=tuple(questions),
        grades=grades,
    )
