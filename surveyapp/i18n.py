"""Interface language and number formatting.

Kiosk pages choose their language explicitly (Vietnamese unless the citizen picks another); everything else
uses Vietnamese, the province's working language, unless ``?lang=`` asks otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

from babel import Locale, UnknownLocaleError
from flask import current_app, g, request
from flask_babel import lazy_gettext as _l

from surveyapp import languages
from surveyapp.numbers import (
    format_difference,
    format_estimate,
    format_interval_of,
    format_number,
    format_percent,
    format_points,
    format_value,
)
from surveyapp.periods import LOCAL_ZONE


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def resolve_language(requested: str | None, available: Iterable[str] | None = None) -> str:
    """``requested`` when it is offered, else the default. Without ``available`` the staff pages' languages
    (``LANGUAGES``) are offered; with it (a kiosk's languages, see :func:`surveyapp.languages.kiosk_languages`)
    those of them the app knows, registered languages included."""
    if available is None:
        offered = list(supported_languages())
    else:
        wanted = set(available)
        offered = [code for code in languages.all_languages() if code in wanted]
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
        return languages.babel_locale(language)
    if not request:
        return "en"
    return resolve_language(request.args.get("lang"))


def local_name(unit, language: str = "vi") -> str:
    """A unit's or field's name in ``language``: its English name where one exists, else the Vietnamese one."""
    if unit is None:
        return ""
    if language != "vi" and getattr(unit, "name_en", None):
        return unit.name_en
    return unit.name


def language_name(code: str) -> str:
    """A language's own name, as its speakers write it (``vi`` → ``Tiếng Việt``); a registered language's name
    from its ``language.toml``, with its Vietnamese name when that differs (``Hmoob · Tiếng H'Mông``)."""
    registered = languages.language(code)
    if registered is not None:
        return registered.label
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


def decision_label(decision: str | None) -> str:
    """A target decision in the interface language: met, not met, or not yet clear from the data."""
    labels = {
        "met": _l("Target met"),
        "not_met": _l("Below target"),
        "inconclusive": _l("Not yet clear"),
        "insufficient": _l("Not enough responses to conclude"),
        "no_estimate": _l("No estimate"),
    }
    return str(labels.get(decision or "", ""))


def reliability_label(rule: str | None) -> str:
    """The reliability rule an index fails, in a few words ("" when it meets them all)."""
    labels = {
        "few_answers": _l("fewer answers than needed"),
        "small_effective_size": _l("effective sample size too small"),
        "wide_interval": _l("confidence interval too wide"),
        "wide_relative_interval": _l("confidence interval too wide near the ends of the scale"),
    }
    return str(labels.get(rule or "", rule or ""))


def change_label(operation: str) -> str:
    """A reorganisation's operation on a unit, in words."""
    labels = {
        "create": _l("opened"),
        "rename": _l("renamed"),
        "move_agency": _l("moved to another area"),
        "move_counter": _l("moved to another agency"),
        "merge": _l("merged"),
        "split": _l("split"),
        "retire": _l("closed"),
        "reinstate": _l("reinstated"),
        "withdraw": _l("withdrawn"),
    }
    return str(labels.get(operation, operation))


def funnel_label(status: str | None) -> str:
    """Where a unit lies against funnel-plot control limits."""
    labels = {"inside": _l("within limits"), "above": _l("above"), "below": _l("below")}
    return str(labels.get(status or "", ""))


def pair_label(decision: str | None) -> str:
    """The result of a pairwise comparison of A with B."""
    labels = {
        "higher": _l("A higher"),
        "lower": _l("A lower"),
        "no evidence of a difference": _l("no clear difference"),
        "not testable": _l("not testable"),
    }
    return str(labels.get(decision or "", decision or ""))


def level_label(level: str) -> str:
    """A level of the organisation in words (plural, as a heading)."""
    labels = {
        "counter": _l("counters"),
        "agency": _l("agencies"),
        "commune": _l("communes"),
        "district": _l("districts"),
        "former_district": _l("areas (former districts, groupings of communes)"),
        "province": _l("the province"),
    }
    return str(labels.get(level, level))


def weighting_label(weighting: str) -> str:
    """How respondents were weighted, in words."""
    labels = {
        "none": _l("unweighted: every respondent counts once"),
        "base": _l("weighted to each agency's case files"),
        "poststratify": _l("post-stratified to case files per agency and field of procedure"),
        "rake": _l("raked to case files per agency and per field of procedure"),
    }
    return str(labels.get(weighting, weighting))


def init_app(app) -> None:
    """Make the formatting helpers available to every template: numbers go through :mod:`surveyapp.numbers`,
    estimates with the :class:`~surveyapp.numbers.Measure` of their index (``e.estimate|estimate(measure,
    language)`` → ``91,2%`` or ``15,6 / 18 điểm``)."""
    app.jinja_env.filters.update(
        percent=format_percent,
        points=format_points,
        number=format_number,
        value=format_value,
        estimate=format_estimate,
        interval_of=format_interval_of,
        difference=format_difference,
        local_name=local_name,
        language_name=language_name,
        localtime=localtime,
        decision_label=decision_label,
        reliability_label=reliability_label,
        funnel_label=funnel_label,
        change_label=change_label,
        pair_label=pair_label,
        weighting_label=weighting_label,
    )
    app.jinja_env.globals["level_label"] = level_label
