"""Security headers on every response, and a refusal of the NUL character in any request.

The content security policy allows nothing but the app's own origin: no inline script, no inline style
attribute, no foreign host. The kiosk app satisfies it (its scripts and styles are files, its data block is
JSON, charts are SVG with presentation attributes), and the browser tests fail on any violation.

No code, e-mail address or form value has a NUL character, and PostgreSQL cannot compare or store one: a
request with NUL in its path, query or form is refused with 400 before any view looks it up.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_babel import gettext as _

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "media-src 'self' blob:",  # read-aloud clips played from the offline cache
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Same-origin requests keep their referrer: Flask-WTF checks it on HTTPS form posts.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _refuse_nul() -> None:
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400, description=_("The request contains a NUL character."))


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
    app.after_request(_headers)
