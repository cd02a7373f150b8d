"""Kiosk views: welcome, questionnaire, thank-you. Thin: they load, call the response service, and render."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as HttpResponse

from surveyapp.db import db, utcnow
from surveyapp.extensions import csrf, limiter, remote_address
from surveyapp.i18n import resolve_language
from surveyapp.integrity.rules import FlagRules
from surveyapp.kiosk import bp
from surveyapp.kiosk.forms import SKIP, answers_from, build_form_class, field_name
from surveyapp.kiosk.questions import asked_questions, is_one_tap, questions_for
from surveyapp.languages import kiosk_languages, localised
from surveyapp.organisation.models import Counter, Field
from surveyapp.questionnaires.definition import Questionnaire
from surveyapp.questionnaires.loader import current_version
from surveyapp.questionnaires.models import QuestionnaireVersion
from surveyapp.responses.service import ConflictError, Draft, SubmissionError, record


def counter_or_404(code: str) -> Counter:
    counter = db.session.scalar(select(Counter).where(Counter.code == code))
    if counter is None:
        abort(404, description=_("There is no service counter with the code %(code)s.", code=code))
    if not counter.in_service():
        abort(410, description=_("This service counter is no longer in service."))
    return counter


def version_or_503(counter: Counter) -> QuestionnaireVersion:
    version = current_version(counter.instrument_code)
    if version is None:
        abort(503, description=_("The questionnaire for this counter has not been loaded yet."))
    return version


def fields_to_choose(counter: Counter) -> list[Field]:
    """The fields of procedure a citizen chooses from on the welcome screen (none when the counter has one)."""
    return [] if counter.field else list(db.session.scalars(select(Field).order_by(Field.id)))


def _language(version: QuestionnaireVersion) -> str:
    g.language = resolve_language(request.args.get("lang"), kiosk_languages(version.definition))
    return g.language


def kiosk_settings() -> dict[str, int]:
    """The timings kiosk.js and the offline app work with (seconds)."""
    config = current_app.config
    return {
        "idle": int(config["KIOSK_IDLE_SECONDS"]),
        "countdown": min(int(config["KIOSK_IDLE_COUNTDOWN_SECONDS"]), int(config["KIOSK_IDLE_SECONDS"])),
        "thanks": int(config["KIOSK_THANKS_SECONDS"]),
        "retryMax": int(config["KIOSK_RETRY_MAX_SECONDS"]),
    }


def _wants_json() -> bool:
    """kiosk.js sends the answers itself (so that a failed send can be retried) and asks for JSON."""
    return request.accept_mimetypes.best == "application/json"


def shown(version: QuestionnaireVersion, language: str) -> Questionnaire:
    """The questionnaire as the kiosk shows it in ``language``: with that language's texts where they exist."""
    return localised(version.definition, language)


def _phone_limit() -> str:
    return current_app.config["PHONE_SUBMIT_LIMIT"]


def _not_a_phone_post() -> bool:
    return request.method != "POST" or (request.view_args or {}).get("channel") != "phone"


# The same pages serve the kiosk tablet (channel "kiosk") and a citizen's phone that scanned the counter's QR
# code (channel "phone", at /k/<code>/phone...). Phones are rate-limited per network address.
@bp.get("/<code>", defaults={"channel": "kiosk"})
@bp.get("/<code>/phone", defaults={"channel": "phone"})
def welcome(code: str, channel: str):
    counter = counter_or_404(code)
    version = version_or_503(counter)
    if is_one_tap(version.definition):
        return survey(code, channel)  # the faces are the first screen: one tap is the whole answer
    language = _language(version)
    fields = fields_to_choose(counter)
    return render_template(
        "kiosk/welcome.html",
        counter=counter,
        questionnaire=shown(version, language),
        language=language,
        languages=kiosk_languages(version.definition),
        fields=fields,
        channel=channel,
        settings=kiosk_settings(),
    )


@bp.route("/<code>/survey", methods=["GET", "POST"], defaults={"channel": "kiosk"})
@bp.route("/<code>/phone/survey", methods=["GET", "POST"], defaults={"channel": "phone"})
@csrf.exempt  # the form checks its own token, so an expired one re-shows the answers instead of losing them
@limiter.limit(_phone_limit, key_func=remote_address, exempt_when=_not_a_phone_post)
def survey(code: str, channel: str):
    counter = counter_or_404(code)
    version = version_or_503(counter)
    language = _language(version)
    questionnaire = shown(version, language)
    field = counter.field or _chosen_field()
    one_tap = is_one_tap(questionnaire)
    if field is None and request.method == "GET" and not one_tap:
        return redirect(url_for(".welcome", code=code, lang=language, channel=channel))
    if field is None and (request.args.get("field") or not one_tap):
        abort(400, description=_("The field of procedure is missing or unknown."))

    limit = current_app.config["COMMENT_MAX_LENGTH"]
    if request.method == "GET":
        # A language switch in the middle of the questionnaire keeps the questions this citizen was asked.
        questions = asked_questions(questionnaire, request.args.get("asked")) if "asked" in request.args else None
        questions = questions or questions_for(counter, questionnaire)
    else:
        questions = asked_questions(questionnaire, request.form.get("asked"))
        if questions is None:
            abort(400, description=_("The list of questions asked names a question this questionnaire does not have."))
    form_class = build_form_class(questionnaire, language, _("No opinion"), limit, questions)
    form = form_class()
    status = 200
    general_error = None
    if request.method == "GET":
        form.response_id.data = str(uuid.uuid4())
        form.started_at.data = utcnow().isoformat(timespec="seconds")
    else:
        unknown = sorted(set(request.form) - set(form._fields) - {"asked"})
        if unknown:
            abort(400, description=_("The form contains unknown fields: %(names)s.", names=", ".join(unknown)))
        if form.validate():
            started_at = _timestamp(form.started_at.data)
            answers, comment = answers_from(form, questions)
            draft = Draft(
                uuid=uuid.UUID(form.response_id.data),
                counter=counter,
                version=version,
                answers=answers,
                comment=comment,
                language=language,
                field=field,
                started_at=started_at,
                submitted_at=utcnow(),
                channel=channel,
                honeypot=bool(form.contact.data),
                asked=frozenset(q.code for q in questions) if "asked" in request.form else None,
                device_time=True,  # the start comes back from the page, which the browser may have set
            )
            try:
                record(draft, limit, FlagRules.from_config(current_app.config))
            except ConflictError:
                abort(409, description=_("These answers were already sent with different content."))
            except SubmissionError as exc:
                status = 422
                general_error = _attach_error(form, questionnaire, exc)
            else:
                thanks_url = url_for(".thanks", code=code, lang=language, channel=channel)
                if _wants_json():
                    return jsonify(status="stored", id=form.response_id.data, thanks=thanks_url), 201
                return redirect(thanks_url, code=303)
        else:
            status = 400 if set(form.errors) & {"response_id", "started_at", "csrf_token"} else 422
            if "csrf_token" in form.errors:
                general_error = _("The page was open too long. Your answers are kept: please press Send again.")
    body = render_template(
        "kiosk/survey.html",
        counter=counter,
        questionnaire=questionnaire,
        version=version,
        field=field,
        form=form,
        questions=questions,
        one_tap=one_tap,
        language=language,
        languages=kiosk_languages(version.definition),
        field_name=field_name,
        skip=SKIP,
        general_error=general_error,
        channel=channel,
        settings=kiosk_settings(),
    )
    response = HttpResponse(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _chosen_field() -> Field | None:
    code = request.args.get("field")
    if not code:
        return None
    return db.session.scalar(select(Field).where(Field.code == code))


def _timestamp(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        abort(400, description=_("The form's start time is not a time."))
    if parsed.tzinfo is None:
        abort(400, description=_("The form's start time has no time zone."))
    return parsed


def _attach_error(form, questionnaire, exc: SubmissionError) -> str | None:
    """Show a service error beside its question when it names one, else as a message for the whole page."""
    codes = {q.code for q in questionnaire.questions}
    if exc.where in codes:
        form[field_name(questionnaire.question(exc.where))].errors.append(exc.message)
        return None
    return exc.message


@bp.get("/<code>/thanks", defaults={"channel": "kiosk"})
@bp.get("/<code>/phone/thanks", defaults={"channel": "phone"})
def thanks(code: str, channel: str):
    counter = counter_or_404(code)
    version = version_or_503(counter)
    language = _language(version)
    return render_template(
        "kiosk/thanks.html",
        counter=counter,
        language=language,
        questionnaire=shown(version, language),
        seconds=current_app.config["KIOSK_THANKS_SECONDS"],
        channel=channel,
        settings=kiosk_settings(),
    )
