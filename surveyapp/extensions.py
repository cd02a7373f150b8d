"""Flask extensions, created unbound here and bound to an app in :func:`surveyapp.create_app`."""

from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from surveyapp.db import db

babel = Babel()
csrf = CSRFProtect()
migrate = Migrate()

__all__ = ["babel", "csrf", "db", "migrate"]
