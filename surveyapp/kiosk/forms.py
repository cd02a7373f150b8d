"""The questionnaire form, built at run time from a questionnaire version: one field per question."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput

from surveyapp.questionnaires.codec import AnswerValue
from surveyapp.questionnaires.definition import Question, Questionnaire

#: The value of the visible "no opinion" choice on a skippable question.
SKIP = "skip"
FIELD_PREFIX = "q-"


def field_name(question: Question) -> str:
    return FIELD_PREFIX + question.code


def nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class CheckboxesField(SelectMultipleField):
    """Multiple choice as checkboxes; the template lays the options out itself."""

    option_widget = CheckboxInput()


def _valid_uuid(form, field) -> None:
    try:
        uuid.UUID(field.data)
    except (TypeError, ValueError) as exc:
        raise ValidationError("not a response id") from exc


class KioskFormBase(FlaskForm):
    """Fields every questionnaire has: the response id (generated when the page is shown, so a double tap or a
    reload of the result cannot store the answers twice) and when the citizen started."""

    response_id = HiddenField(validators=[InputRequired(), _valid_uuid])
    started_at = HiddenField(validators=[InputRequired()])
    #: The honeypot: hidden from people and screen readers; a program filling every field fills it too.
    contact = StringField(validators=[Optional(), Length(max=200)])


def _max_choices(limit: int):
    def check(form, field) -> None:
        if field.data and len(field.data) > limit:
            raise ValidationError(_("Choose at most %(count)d answers.", count=limit))

    return check


def build_form_class(
    questionnaire: Questionnaire,
    language: str,
    skip_label: str,
    comment_limit: int,
    questions: Sequence[Question] | None = None,
) -> type:
    """A :class:`FlaskForm` subclass with one field per question asked (default: all), labelled in ``language``."""

    class QuestionnaireForm(KioskFormBase):
        pass

    for question in questionnaire.questions if questions is None else questions:
        label = question.text.get(language)
        required = [Optional()] if question.skippable else [InputRequired(message=_l("Please choose an answer."))]
        if question.type == "scale":
            choices = [SelectChoice(str(p.value), p.label.get(language)) for p in question.scale.points]
            if question.skippable:
                choices.append(SelectChoice(SKIP, skip_label))
            field: Field = RadioField(label, choices=choices, validators=required)
        elif question.type == "single":
            choices = [SelectChoice(o.code, o.text.get(language)) for o in question.options]
            if question.skippable:
                choices.append(SelectChoice(SKIP, skip_label))
            field = RadioField(label, choices=choices, validators=required)
        elif question.type == "multi":
            validators = [*required]
            if question.max_choices:
                validators.append(_max_choices(question.max_choices))
            choices = [SelectChoice(o.code, o.text.get(language)) for o in question.options]
            field = CheckboxesField(label, choices=choices, validators=validators)
        else:
            limit = min(question.max_length or comment_limit, comment_limit)
            too_long = _l("Please keep the comment under %(max)d characters.")
            field = TextAreaField(label, validators=[Optional(), Length(max=limit, message=too_long)], filters=[nfc])
        setattr(QuestionnaireForm, field_name(question), field)
    return QuestionnaireForm


def answers_from(form: FlaskForm, questions: Sequence[Question]) -> tuple[dict[str, AnswerValue], str | None]:
    """The answers to the questions asked, in interchange form, and the comment, from a validated form."""
    answers: dict[str, AnswerValue] = {}
    comment = None
    for question in questions:
        data = form[field_name(question)].data
        if question.type == "text":
            comment = data or None
        elif question.type == "multi":
            answers[question.code] = list(data or [])
        elif data in (None, "", SKIP):
            answers[question.code] = None
        elif question.type == "scale":
            answers[question.code] = int(data)
        else:
            answers[question.code] = data
    return answers, comment
