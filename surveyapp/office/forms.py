"""Account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from surveyapp.auth.roles import Role

ROLE_LABELS = {
    Role.REFORM_OFFICE: _l("Reform office (whole province)"),
    Role.AREA_OFFICER: _l("Area officer"),
    Role.AGENCY_MANAGER: _l("Agency manager"),
    Role.COUNTER_SUPERVISOR: _l("Counter supervisor"),
    Role.VIEWER: _l("Viewer (scores only)"),
}


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    scope = StringField(
        _l("Scope"),
        validators=[Optional(), Length(max=80)],
        description=_l("province, area:<code>, agency:<code> or counter:<code>"),
    )
    active = BooleanField(_l("Active"), default=True)


class NewUserForm(UserForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("First password"), validators=[InputRequired(), Length(min=10, max=200)])


class ResetForm(FlaskForm):
    pass
