"""Kiosk devices of the counters in a person's scope: status, enrolment, retirement."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as HttpResponse
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from surveyapp.agency import bp, queries
from surveyapp.auth.access import authorize, may, org_tree, requires
from surveyapp.auth.roles import Action
from surveyapp.db import db
from surveyapp.devices import service
from surveyapp.devices.models import Device
from surveyapp.kiosk.qr import qr_svg
from surveyapp.organisation.models import Counter


class EnrolForm(FlaskForm):
    #: Offered: the counters in scope. Any code is accepted here and checked against the scope below, so that a
    #: counter outside it answers 404 like everywhere else.
    counter = SelectField(validators=[InputRequired()], validate_choice=False)
    label = StringField(validators=[Length(max=100)])


class RetireForm(FlaskForm):
    pass


class PolicyForm(FlaskForm):
    partial_policy = SelectField(
        choices=[
            SelectChoice("discard", _l("discard half-finished answers")),
            SelectChoice("submit", _l("send half-finished answers as partial")),
        ],
        validators=[InputRequired()],
    )


def _counters_in_scope() -> list[Counter]:
    counters = queries.units(Counter, org_tree().counters_in(current_user.scope))
    return [c for c in counters if c.in_service()]


def _enrol_form() -> EnrolForm:
    form = EnrolForm()
    form.counter.choices = [SelectChoice(c.code, f"{c.code} – {c.name}") for c in _counters_in_scope()]
    return form


@bp.get("/devices")
@requires(Action.VIEW_DEVICES)
def devices():
    counter_ids = org_tree().counters_in(current_user.scope)
    listed = (
        db.session.scalars(
            select(Device).where(Device.counter_id.in_(counter_ids)).order_by(Device.retired_at.is_not(None), Device.id)
        ).all()
        if counter_ids
        else []
    )
    return render_template(
        "agency/devices.html",
        devices=listed,
        wrong_clocks=service.wrong_clocks(d.id for d in listed if d.active),
        enrol_form=_enrol_form() if may(Action.MANAGE_DEVICES) else None,
        retire_form=RetireForm(),
        policy_form=PolicyForm(),
    )


@bp.post("/devices")
@requires(Action.MANAGE_DEVICES)
def enrol_device():
    form = _enrol_form()
    if not form.validate_on_submit():
        abort(400, description=_("Choose a counter in your scope."))
    counter = db.session.scalar(select(Counter).where(Counter.code == form.counter.data))
    if counter is None:
        abort(404)
    authorize(Action.MANAGE_DEVICES, counter)
    if not counter.in_service():
        abort(409, description=_("This service counter is no longer in service."))
    enrolment = service.enrol(counter, form.label.data or "", current_user)
    db.session.commit()
    body = render_template(
        "agency/device_enrolled.html",
        device=enrolment.device,
        token=enrolment.token,
        kiosk_url=url_for("kiosk_app.start", _external=True),
    )
    response = HttpResponse(body, status=201, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/devices/<int:device_id>/retire")
@requires(Action.MANAGE_DEVICES)
def retire_device(device_id: int):
    device = db.get_or_404(Device, device_id)
    authorize(Action.MANAGE_DEVICES, device.counter)
    if not RetireForm().validate_on_submit():
        abort(400)
    service.retire(device, current_user)
    db.session.commit()
    flash(_("Device %(label)s has been retired; its token no longer works.", label=device.label), "info")
    return redirect(url_for(".devices"))


@bp.post("/devices/<int:device_id>/partial-policy")
@requires(Action.MANAGE_DEVICES)
def device_partial_policy(device_id: int):
    device = db.get_or_404(Device, device_id)
    authorize(Action.MANAGE_DEVICES, device.counter)
    form = PolicyForm()
    if not form.validate_on_submit():
        abort(400, description=_("Choose what the kiosk does with half-finished answers."))
    service.set_partial_policy(device, form.partial_policy.data, current_user)
    db.session.commit()
    flash(_("Device %(label)s saved.", label=device.label), "info")
    return redirect(url_for(".devices"))


@bp.get("/counters/<code>/qr")
@requires(Action.VIEW_DEVICES)
def counter_qr(code: str):
    """A printable sheet with the QR code that opens the counter's questionnaire on a citizen's phone."""
    counter = db.session.scalar(select(Counter).where(Counter.code == code))
    if counter is None:
        abort(404)
    authorize(Action.VIEW_DEVICES, counter)
    url = url_for("kiosk.welcome", code=counter.code, channel="phone", _external=True)
    return render_template("agency/counter_qr.html", counter=counter, url=url, qr=qr_svg(url))
