"""Configuration, read from the environment when the app is created (never at import time).

Every setting can be given as an environment variable prefixed ``SURVEYAPP_`` (``SURVEYAPP_KIOSK_RESET_SECONDS=30``;
values are parsed as JSON when they parse). ``DATABASE_URL`` is also read without the prefix, as deployment
platforms set it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import ClassVar

#: The repository root: where ``templates/``, ``surveys/`` and ``data/`` live.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    """Defaults for a single office running the embedded SQLite database."""

    #: SQLAlchemy URL. ``None`` means a SQLite file in the instance folder.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    #: Folder of questionnaire definitions loaded by ``load-surveys``.
    SURVEYS_DIR = str(PROJECT_ROOT / "surveys")
    #: The Sơn La organisation and service volumes shipped with the project.
    ORGANISATION_FILE = str(PROJECT_ROOT / "data" / "son-la" / "organisation.toml")
    VOLUMES_FILE = str(PROJECT_ROOT / "data" / "son-la" / "service-volumes.csv")
    #: Interface languages, the first is the default.
    LANGUAGES = ("vi", "en")
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    #: Seconds the thank-you screen stays before the kiosk returns to its welcome screen.
    KIOSK_THANKS_SECONDS = 8
    #: A questionnaire form is valid for a working day: a citizen who pauses must not lose answers to an
    #: expired token. The token is renewed with every questionnaire shown.
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    #: Largest request body accepted (bytes). A questionnaire post is a few kilobytes.
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Cookies travel over HTTPS only; ``None`` means "yes, unless in demo mode" (plain http on 127.0.0.1).
    SESSION_COOKIE_SECURE: bool | None = None
    #: A staff session ends after a working day.
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    #: Demo mode: documented demo accounts may sign in, cookies work over plain http. Never in production.
    DEMO_MODE = False
    #: Failed sign-ins allowed per account and per client address before sign-in is refused for a while.
    SIGN_IN_ACCOUNT_LIMIT = "5 per 15 minutes"
    SIGN_IN_ADDRESS_LIMIT = "30 per 15 minutes"
    #: Requests per kiosk device (not per address: many tablets share one office router).
    API_DEVICE_LIMIT = "120 per minute"
    #: Where rate-limit counters live: ``memory://`` for one process, ``redis://127.0.0.1:6379`` for several.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Free-text comments are shown only for groups of at least this many responses (anonymity).
    MIN_GROUP_SIZE = 5
    #: Longest free-text comment kept, in characters.
    COMMENT_MAX_LENGTH = 2000
    #: Seconds a period's scores serve further PDF downloads in the same process (0: score every download).
    #: Every report states the time its scores were computed.
    REPORTS_SCORES_MAX_AGE = 60


def database_url_from_env() -> str | None:
    """Return the database URL from ``SURVEYAPP_DATABASE_URL`` or ``DATABASE_URL``, with the psycopg driver.

    ``postgres://`` and ``postgresql://`` URLs are rewritten to ``postgresql+psycopg://`` so that the driver
    the project installs is used.
    """
    url = os.environ.get("SURVEYAPP_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        return None
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at the psycopg 3 driver; leave every other URL unchanged."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, creating it on first use.

    Used only when no ``SURVEYAPP_SECRET_KEY`` is set, so that a single-office installation keeps its sessions
    across restarts without anyone handling a secret.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
