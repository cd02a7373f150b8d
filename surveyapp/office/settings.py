"""Scoring settings per period, set by the reform office: every save is a new, audited version."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DecimalField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from surveyapp.auth.access import requires
from surveyapp.auth.roles import Action
from surveyapp.db import db
from surveyapp.office import bp
from surveyapp.scores.models import EVERY_PERIOD, METHODS, WEIGHTINGS, ScoringSettings
from surveyapp.scores.settings import save_settings, settings_for


class SettingsForm(FlaskForm):
    period = StringField(
        _l("Period"),
        validators=[Optional(), Regexp(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", message=_l("A year, quarter or month."))],
        description=_l("Leave empty for every period without settings of its own."),
    )
    target = DecimalField(_l("Target (%)"), places=1, validators=[InputRequired(), NumberRange(min=1, max=99.9)])
    confidence = SelectField(
        _l("Confidence"), choices=[SelectChoice("0.9", "90%"), SelectChoice("0.95", "95%"), SelectChoice("0.99", "99%")]
    )
    method = SelectField(_l("Interval method"), choices=[SelectChoice(m, m) for m in METHODS])
    weighting = SelectField(_l("Respondent weights"), choices=[SelectChoice(w, w) for w in WEIGHTINGS])
    include_flagged = BooleanField(_l("Count responses flagged as produced rather than given"))
    min_cell_size = IntegerField(
        _l("Least respondents in a post-stratum"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
        description=_l("Fields of procedure with fewer respondents are merged within their agency before weighting."),
    )
    min_respondents = IntegerField(
        _l("Least answers behind a conclusion"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("An index with fewer answers is shown as “not enough responses to conclude”."),
    )
    min_effective = DecimalField(
        _l("Least effective sample size"), places=0, validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    max_width = DecimalField(
        _l("Widest interval (percentage points)"), places=0, validators=[Optional(), NumberRange(min=1, max=100)]
    )
    max_relative_width = DecimalField(
        _l("Widest interval relative to min(p, 1 − p), in percent"),
        places=0,
        validators=[Optional(), NumberRange(min=0, max=10000)],
        description=_l("0 turns this rule off. A field left empty keeps the value in force."),
    )
    note = TextAreaField(_l("Reason for the change"), validators=[Optional(), Length(max=500)])


@bp.route("/settings", methods=["GET", "POST"])
@requires(Action.MANAGE_TARGETS)
def settings():
    form = SettingsForm()
    status = 200
    if request.method == "GET":
        current = settings_for(EVERY_PERIOD)
        form.target.data = round(current.target * 100, 1)
        form.confidence.data = str(current.confidence)
        form.method.data, form.weighting.data = current.method, current.weighting
        form.include_flagged.data = not current.exclude_flagged
        form.min_cell_size.data, form.min_respondents.data = current.min_cell_size, current.min_respondents
        form.min_effective.data = current.min_effective
        form.max_width.data = round(current.max_width * 100)
        form.max_relative_width.data = round((current.max_relative_width or 0) * 100)
    elif form.validate_on_submit():
        kept = settings_for(form.period.data or EVERY_PERIOD)

        def given(value, default):
            return default if value is None else value

        row = save_settings(
            form.period.data or None,
            current_user,
            target=float(form.target.data) / 100,
            confidence=float(form.confidence.data),
            method=form.method.data,
            weighting=form.weighting.data,
            exclude_flagged=not form.include_flagged.data,
            note=form.note.data or None,
            min_cell_size=given(form.min_cell_size.data, kept.min_cell_size),
            min_respondents=given(form.min_respondents.data, kept.min_respondents),
            min_effective=float(given(form.min_effective.data, kept.min_effective)),
            max_width=float(given(form.max_width.data, kept.max_width * 100)) / 100,
            max_relative_width=float(given(form.max_relative_width.data, (kept.max_relative_width or 0) * 100)) / 100,
        )
        db.session.commit()
        flash(_("Settings %(period)s v%(version)d saved.", period=row.period, version=row.version), "info")
        return redirect(url_for(".settings"))
    else:
        status = 422
    history = db.session.scalars(
        select(ScoringSettings).order_by(ScoringSettings.period, ScoringSettings.version.desc())
    ).all()
    language = str(get_locale() or "vi")  # numbers in the page's language: 90% ↔ 99,8% / 99.8%
    return render_template("office/settings.html", form=form, history=history, language=language), status
