"""Flask extensions, created unbound here and bound to an app in :func:`surveyapp.create_app`."""

from functools import cached_property

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from surveyapp.db import db


def remote_address() -> str:
    """The client's address as the WSGI server reports it (behind a proxy, configure ProxyFix)."""
    return request.remote_addr or "unknown"


class LanguageBabel(Babel):
    """Flask-Babel whose messages come from the page's language, falling back to Vietnamese (see
    :class:`surveyapp.languages.FallbackDomain`)."""

    @cached_property
    def domain_instance(self):
        from surveyapp.languages import FallbackDomain

        return FallbackDomain(domain=self.domain)


babel = LanguageBabel()
csrf = CSRFProtect()
migrate = Migrate()
login_manager = LoginManager()
#: Storage from ``RATELIMIT_STORAGE_URI``: ``memory://`` by default, ``redis://127.0.0.1:6379`` in production.
limiter = Limiter(key_func=remote_address)

__all__ = ["babel", "csrf", "db", "limiter", "login_manager", "migrate"]
