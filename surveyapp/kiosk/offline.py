"""The offline kiosk app for enrolled tablets, at ``/kiosk/``.

``/kiosk/`` is where a supervisor connects a tablet: they type the token shown once at enrolment, the app
checks it against ``GET /api/v1/device`` and keeps it in the tablet's IndexedDB. From then on the tablet opens
``/kiosk/c/<counter>``: one page per language holding the welcome screen, every questionnaire screen and the
thank-you screen. A service worker (``/kiosk/sw.js``, scope ``/kiosk/``) keeps these pages, the stylesheet,
the scripts, the fonts and every read-aloud clip, so the kiosk works without a network after its first load.
Answers go into a queue in IndexedDB and are sent to ``POST /api/v1/responses`` when the network allows.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flask import Blueprint, abort, current_app, g, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as HttpResponse

from surveyapp.config import PROJECT_ROOT
from surveyapp.i18n import resolve_language
from surveyapp.kiosk.audio import AudioUnavailableError, Speech
from surveyapp.kiosk.forms import SKIP, build_form_class, field_name
from surveyapp.kiosk.questions import is_one_tap, short_forms
from surveyapp.kiosk.views import counter_or_404, fields_to_choose, kiosk_settings, version_or_503
from surveyapp.languages import kiosk_languages, localised, translated
from surveyapp.questionnaires.loader import version_or_404
from surveyapp.voices.prompts import question_prompts

bp = Blueprint("kiosk_app", __name__, url_prefix="/kiosk")

STATIC_FILES = (
    "css/app.css",
    "js/kiosk.js",
    "js/kiosk-voice.js",
    "js/kiosk-app.js",
    "js/kiosk-store.js",
    "fonts/NotoSans-Regular.woff2",
    "fonts/NotoSans-Bold.woff2",
    "img/kiosk-icon.svg",
)


def _cache_name() -> str:
    """The name of the tablets' cache, from the content of the files it keeps: a release that changes any of them
    gives the service worker a new name, so tablets install it and delete the old cache when it activates."""
    digest = hashlib.sha256()
    for name in (*STATIC_FILES, "js/kiosk-sw.js"):
        digest.update((PROJECT_ROOT / "surveyapp" / "static" / name).read_bytes())
    return f"surveyapp-kiosk-{digest.hexdigest()[:12]}"


CACHE_NAME = _cache_name()


@bp.app_template_global("read_aloud_clips")
def clips(questionnaire, language: str, question) -> list[str]:
    """The clips read aloud for ``question`` in ``language``: the question, then each of its choices."""
    return [
        url_for(
            "kiosk_app.voice",
            instrument=questionnaire.instrument,
            version=questionnaire.version,
            language=language,
            prompt=key,
        )
        for key in question_prompts(question)
    ]


@bp.get("/")
def start():
    """Connect the tablet (token) or, when it is connected, go on to its counter's kiosk."""
    g.language = resolve_language(request.args.get("lang"))
    return _cached(render_template("kiosk/app_start.html", language=g.language, cache_name=CACHE_NAME))


@bp.get("/c/<code>")
def counter_app(code: str):
    counter = counter_or_404(code)
    version = version_or_503(counter)
    languages = kiosk_languages(version.definition)
    g.language = language = resolve_language(request.args.get("lang"), languages)
    questionnaire = localised(version.definition, language)
    form_class = build_form_class(questionnaire, language, _("No opinion"), current_app.config["COMMENT_MAX_LENGTH"])
    form = form_class(formdata=None, meta={"csrf": False})
    pages = [url_for(".start"), *(url_for(".counter_app", code=code, lang=c) for c in languages)]
    pages.append(url_for(".counter_app", code=code))
    audio = list(
        dict.fromkeys(url for c in languages for q in questionnaire.questions for url in clips(questionnaire, c, q))
    )
    static = [url_for("static", filename=name) for name in STATIC_FILES]
    body = render_template(
        "kiosk/app.html",
        counter=counter,
        questionnaire=questionnaire,
        version=version,
        form=form,
        language=language,
        languages=languages,
        fields=fields_to_choose(counter),
        one_tap=is_one_tap(questionnaire),
        draws=short_forms(counter, version.definition),
        field_name=field_name,
        skip=SKIP,
        settings=kiosk_settings(),
        cache_name=CACHE_NAME,
        precache=[*pages, url_for(".manifest"), *static, *audio],
    )
    return _cached(body)


def _cached(body: str) -> HttpResponse:
    """Pages of the app: the service worker keeps its own copy and refreshes it whenever the network allows."""
    response = HttpResponse(body, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    path = PROJECT_ROOT / "surveyapp" / "static" / "js" / "kiosk-sw.js"
    script = path.read_text(encoding="utf-8").replace("__CACHE_NAME__", CACHE_NAME)
    response = HttpResponse(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    g.language = resolve_language(request.args.get("lang"))
    response = current_app.json.response(
        {
            "name": _("Citizen satisfaction kiosk"),
            "short_name": _("Kiosk"),
            "lang": g.language,
            "start_url": url_for(".start"),
            "scope": url_for(".start"),
            "display": "fullscreen",
            "orientation": "any",
            "background_color": "#f3f5f7",
            "theme_color": "#0b5394",
            "icons": [
                {
                    "src": url_for("static", filename="img/kiosk-icon.svg"),
                    "sizes": "any",
                    "type": "image/svg+xml",
                    "purpose": "any",
                }
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/audio/<instrument>/<int:version>/<language>/<question>")
def audio(instrument: str, version: int, language: str, question: str):
    """The read-aloud clip of one question in one language (see :func:`voice`)."""
    return voice(instrument, version, language, f"question/{question}")


@bp.get("/voice/<instrument>/<int:version>/<language>/<path:prompt>")
def voice(instrument: str, version: int, language: str, prompt: str):
    """The read-aloud clip of one prompt (a question, a choice, a title; keys in :mod:`surveyapp.voices.prompts`)
    in one language: the published recording, else the questionnaire's file, else espeak-ng's speech."""
    stored = version_or_404(instrument, version)
    if language not in kiosk_languages(stored.definition):
        abort(404, description=_("The kiosk has no language '%(code)s'.", code=language))
    g.language = language
    questionnaire = localised(stored.definition, language)
    try:
        path, media_type = Speech.from_config(current_app.config).prompt_clip(
            stored.id, questionnaire, language, prompt, skip_words=translated(language, "No opinion")
        )
    except KeyError:
        abort(404, description=_("The questionnaire has nothing to read aloud as '%(prompt)s'.", prompt=prompt))
    except AudioUnavailableError as exc:
        abort(404, description=str(exc))
    # A clip is a few kilobytes: read whole, so that a tablet breaking off a ranged request leaves no file open.
    clip = Path(path)
    try:
        stat = clip.stat()
        body = clip.read_bytes()
    except OSError:
        abort(404, description=_("The recording of this prompt is missing on the server."))
    # Revalidated on every play (a 304 costs nothing): a recording published later replaces espeak-ng's speech at
    # once. The offline app keeps its own copy in the service worker's cache.
    response = send_file(
        io.BytesIO(body),
        mimetype=media_type,
        etag=f"{stat.st_mtime_ns:x}-{stat.st_size:x}-{path.name[:16]}",
        last_modified=stat.st_mtime,
        conditional=True,
    )
    response.cache_control.no_cache = True
    response.cache_control.public = True
    return response
