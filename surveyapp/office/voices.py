"""Voice prompts: the reform office records every prompt of a questionnaire version in a language in the
browser, listens to it, records it again if needed, and publishes the recordings; citizens hear only published
ones."""

from __future__ import annotations

import io
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from surveyapp.auth.access import requires
from surveyapp.auth.roles import Action
from surveyapp.db import db
from surveyapp.extensions import csrf
from surveyapp.languages import kiosk_languages, localised, translated
from surveyapp.office import bp
from surveyapp.questionnaires.loader import version_or_404
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.voices.models import VoicePrompt
from surveyapp.voices.prompts import KEY_PATTERN, prompts
from surveyapp.voices.service import RecordingError, clip_path, newest, publish, save_recording


def _language(stored: QuestionnaireVersion, language: str) -> str:
    if language not in kiosk_languages(stored.definition):
        abort(404, description=_("The kiosk has no language '%(code)s'.", code=language))
    return language


@bp.url_value_preprocessor
def _recording_body_limit(endpoint: str | None, values: dict | None) -> None:
    """A recording is larger than the app's request limit: raise it for the upload alone. (URL preprocessors
    run before every ``before_request`` function, and one of those reads the form.)"""
    if endpoint == "office.record_voice":
        request.max_content_length = int(current_app.config["VOICE_MAX_BYTES"]) + 64 * 1024


#: The recording page may use the microphone (every other page may not; see surveyapp.security).
MICROPHONE_POLICY = "camera=(), microphone=(self), geolocation=(), payment=()"


@bp.get("/voices")
@requires(Action.MANAGE_QUESTIONNAIRES)
def voices():
    """Every questionnaire version and kiosk language, with how many prompts are recorded and published."""
    versions = db.session.scalars(
        select(QuestionnaireVersion).join(Instrument).order_by(Instrument.code, QuestionnaireVersion.version.desc())
    ).all()
    rows = []
    for stored in versions:
        total = sum(1 for _p in prompts(stored.definition))
        for language in kiosk_languages(stored.definition):
            recorded = newest(stored.id, language, published=False)
            live = newest(stored.id, language, published=True)
            drafts = sum(1 for row in recorded.values() if row.published_at is None)
            rows.append((stored, language, total, len(live), drafts))
    return render_template("office/voices.html", rows=rows)


@bp.get("/voices/<instrument>/<int:version>/<language>")
@requires(Action.MANAGE_QUESTIONNAIRES)
def voice_prompts(instrument: str, version: int, language: str):
    stored = version_or_404(instrument, version)
    language = _language(stored, language)
    questionnaire = localised(stored.definition, language)
    recorded = newest(stored.id, language, published=False)
    live = newest(stored.id, language, published=True)
    skip_words = translated(language, "No opinion")
    items = []
    for prompt in prompts(questionnaire):
        if prompt.text is None:
            words, has = skip_words or translated("vi", "No opinion"), skip_words is not None
        else:
            words, has = prompt.text.get(language), prompt.text.has(language)
        items.append((prompt, words, has, recorded.get(prompt.key), live.get(prompt.key)))
    body = render_template(
        "office/voice_prompts.html",
        stored=stored,
        questionnaire=questionnaire,
        voice_language=language,
        items=items,
        drafts=sum(1 for row in recorded.values() if row.published_at is None),
        max_bytes=current_app.config["VOICE_MAX_BYTES"],
    )
    response = make_response(body)
    response.headers["Permissions-Policy"] = MICROPHONE_POLICY
    return response


@bp.post("/voices/<instrument>/<int:version>/<language>/record")
@csrf.exempt  # checked below, once the body may be as large as a recording
@requires(Action.MANAGE_QUESTIONNAIRES)
def record_voice(instrument: str, version: int, language: str):
    """Keep one recording (multipart: ``prompt``, ``clip``, ``csrf_token``); answers JSON."""
    max_bytes = int(current_app.config["VOICE_MAX_BYTES"])
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return _refuse(_("The page was open too long: reload it and record again."), 400)
    stored = version_or_404(instrument, version)
    language = _language(stored, language)
    key = request.form.get("prompt", "")
    if not KEY_PATTERN.match(key) or key not in {p.key for p in prompts(stored.definition)}:
        return _refuse(_("The questionnaire has nothing to read aloud as '%(prompt)s'.", prompt=key[:200]), 400)
    upload = request.files.get("clip")
    if upload is None:
        return _refuse(_("The request carries no recording."), 400)
    data = upload.read(max_bytes + 1)
    try:
        prompt = save_recording(
            stored,
            language,
            key,
            data,
            upload.mimetype or upload.content_type,
            current_user,
            Path(current_app.config["KIOSK_AUDIO_DIR"]),
            max_bytes,
        )
    except RecordingError as exc:
        db.session.rollback()
        return _refuse(_recording_message(exc), exc.status)
    db.session.commit()
    return jsonify(
        prompt=key,
        id=prompt.id,
        size=prompt.size,
        media_type=prompt.media_type,
        url=url_for(".voice_clip", prompt_id=prompt.id),
        status=_("recorded, not yet published"),
    ), 201


def _recording_message(exc: RecordingError) -> str:
    if exc.status == 413:
        return _(
            "The recording is too long: keep a prompt under %(kib)d KiB (about a minute).",
            kib=current_app.config["VOICE_MAX_BYTES"] // 1024,
        )
    if exc.status == 415:
        return _("The file is not a recording the kiosk can play (WebM, Ogg, WAV, MP3 or MP4 audio).")
    return _("The recording is empty: record again.")


def _refuse(message: str, status: int):
    return jsonify(error="refused", message=message), status


@bp.post("/voices/<instrument>/<int:version>/<language>/publish")
@requires(Action.MANAGE_QUESTIONNAIRES)
def publish_voices(instrument: str, version: int, language: str):
    stored = version_or_404(instrument, version)
    language = _language(stored, language)
    count = publish(stored, language, current_user)
    db.session.commit()
    flash(_("%(count)d recording(s) published: kiosks now play them.", count=count), "info")
    return redirect(url_for(".voice_prompts", instrument=instrument, version=version, language=language))


@bp.get("/voices/clip/<int:prompt_id>")
@requires(Action.MANAGE_QUESTIONNAIRES)
def voice_clip(prompt_id: int):
    """A recording as kept, published or not, for the office to listen to."""
    prompt = db.get_or_404(VoicePrompt, prompt_id)
    path = clip_path(Path(current_app.config["KIOSK_AUDIO_DIR"]), prompt)
    try:
        body = path.read_bytes()
    except OSError:
        abort(404, description=_("The recording of this prompt is missing on the server."))
    response = send_file(io.BytesIO(body), mimetype=prompt.media_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response
