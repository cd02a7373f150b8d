"""Forms for signing in and changing a password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[InputRequired(), Length(min=10, max=200)])
    repeat = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
    )
