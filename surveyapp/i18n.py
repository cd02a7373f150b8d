"""Interface language and number formatting.

Kiosk pages choose their language explicitly (Vietnamese unless the citizen picks another); everything else
uses Vietnamese, the province's working language, unless ``?lang=`` asks otherwise.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from flask import current_app, g, request

from surveyapp.periods import LOCAL_ZONE


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def resolve_language(requested: str | None, available: tuple[str, ...] | None = None) -> str:
    """``requested`` when it is offered (by the app, and by the questionnaire when given), else the default."""
    offered = [code for code in supported_languages() if available is None or code in available]
    if requested in offered:
        return requested
    return offered[0] if offered else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str:
    """Flask-Babel's locale selector: the language the view chose, else ``?lang=``, else the default.

    Outside a request (the command line) messages are in English, like the rest of the command line's output;
    code that renders documents there chooses its language with ``flask_babel.force_locale``.
    """
    language = g.get("language")
    if language:
        return language
    if not request:
        return "en"
    return resolve_language(request.args.get("lang"))


def format_percent(value: float | None, language: str = "vi", digits: int = 1) -> str:
    """``0.912`` → ``91,2%`` in Vietnamese, ``91.2%`` in English; ``None`` or NaN → an en dash."""
    if value is None or value != value:
        return "–"
    number = format_decimal(value * 100, format=f"0.{'0' * digits}" if digits else "0", locale=language)
    return f"{number}%"


def local_name(unit, language: str = "vi") -> str:
    """A unit's or field's name in ``language``: its English name where one exists, else the Vietnamese one."""
    if unit is None:
        return ""
    if language != "vi" and getattr(unit, "name_en", None):
        return unit.name_en
    return unit.name


def language_name(code: str) -> str:
    """A language's own name, as its speakers write it (``vi`` → ``Tiếng Việt``)."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def localtime(instant, pattern: str = "%d/%m/%Y %H:%M") -> str:
    """A UTC instant shown in the province's time zone (Asia/Ho_Chi_Minh)."""
    if instant is None:
        return "–"
    return instant.astimezone(LOCAL_ZONE).strftime(pattern)
