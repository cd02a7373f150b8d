"""Rendering report HTML to PDF with WeasyPrint, fetching nothing but the app's own static files.

Reports carry citizens' free text. Templates escape it, and in case anything ever reaches the renderer as
markup, the renderer's URL fetcher (:class:`StaticFilesOnly`) answers only URLs under the app's static path
on a private origin that no network resolves (``https://surveyapp.invalid/static/...``), reading the file from
the static folder on disk. Every other URL — ``file:``, ``data:``, ``http(s)`` to any host, a path that leaves
the static folder — is refused and recorded, and the document is rendered without it. Fonts are installed on
the machine (``fonts-noto-core``, ``fonts-dejavu-core``) and found by family name, never downloaded.
"""

from __future__ import annotations

import mimetypes
import posixpath
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from flask import Flask, current_app
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

#: The origin report HTML is given as its base URL. ``.invalid`` is reserved (RFC 2606): it never resolves.
ORIGIN = "https://surveyapp.invalid"


class RefusedURLError(ValueError):
    """A URL the report renderer does not fetch."""


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves the app's static files from disk and refuses everything else.

    Parameters
    ----------
    static_folder : path
        The folder the app serves at ``static_url_path``.
    static_url_path : str
        The URL path of that folder (``/static``).

    Attributes
    ----------
    fetched, refused : list of str
        The URLs served and refused during this fetcher's life, in order.
    """

    def __init__(self, static_folder: str | Path, static_url_path: str = "/static"):
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
        self.root = Path(static_folder).resolve()
        self.prefix = static_url_path.rstrip("/") + "/"
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except RefusedURLError:
            self.refused.append(url)
            raise
        self.fetched.append(url)
        mime_type, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type or "application/octet-stream"})

    def resolve(self, url: str) -> Path:
        """The static file ``url`` names, or :class:`RefusedURLError` saying why it is not served."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}".lower() != ORIGIN or parts.query or parts.username:
            raise RefusedURLError(f"Reports fetch only the app's static files, not {url[:80]!r}.")
        path = posixpath.normpath(unquote(parts.path))
        if not path.startswith(self.prefix) or "\\" in path or "\x00" in path:
            raise RefusedURLError(f"Reports fetch only the app's static files, not {url[:80]!r}.")
        target = (self.root / path[len(self.prefix) :]).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            raise RefusedURLError(f"There is no static file {path!r}.")
        return target


def fetcher_for(app: Flask | None = None) -> StaticFilesOnly:
    app = app or current_app
    return StaticFilesOnly(app.static_folder, app.static_url_path)


def static_url(filename: str, app: Flask | None = None) -> str:
    """The URL of a static file as report HTML references it (works without a request, e.g. on the CLI)."""
    app = app or current_app
    return f"{ORIGIN}{app.static_url_path}/{filename}"


_thread = threading.local()


def font_configuration() -> FontConfiguration:
    """This thread's font configuration, kept between documents: fonts found and measured once are reused
    (about a tenth of a report's rendering time). One per thread, as Pango's font maps are not shared safely."""
    config = getattr(_thread, "font_config", None)
    if config is None:
        config = _thread.font_config = FontConfiguration()
    return config


def render_pdf(html: str, fetcher: StaticFilesOnly | None = None) -> bytes:
    """The PDF of ``html``, rendered with a fetcher that serves only static files."""
    fetcher = fetcher or fetcher_for()
    document = weasyprint.HTML(string=html, base_url=f"{ORIGIN}/", url_fetcher=fetcher)
    return document.write_pdf(font_config=font_configuration())
