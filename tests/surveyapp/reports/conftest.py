"""Data for the report tests: demo responses over three quarters of 2026, staff of every role, and a hostile
comment; helpers that read a PDF as a reader would (its text, its pages as images)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, update

from surveyapp.db import db
from surveyapp.demo import generate
from surveyapp.organisation.models import Counter
from surveyapp.periods import LOCAL_ZONE, parse_period
from surveyapp.questionnaires.loader import current_version
from surveyapp.responses.models import Response
from surveyapp.responses.service import Draft, record
from tests.helpers import sipas_form_answers
from tests.staff import create_accounts
from tests.surveyapp.charts.test_pdf import _dark_share as dark_share

PERIOD = parse_period("2026-Q3")
#: A comment that would fetch a local file, run script and inject markup if it were not escaped.
HOSTILE = (
    '<img src="file:///etc/passwd"> <script>alert("xss")</script> <b>Rất tệ</b> & <a href="http://evil.example/">x</a>'
)
HOSTILE_COUNTER = "ttpv-moc-chau-dat-dai"
#: Responses of ``ttpv-moc-chau`` in the period flagged as suspicious.
FLAGGED = 3


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing; scripts/setup test installs poppler-utils."
    return path


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext extracts it, keeping the layout (a table row stays on one line)."""
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    command = [tool("pdftotext"), "-layout", str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def page_inks(pdf: bytes, tmp_path: Path, resolution: int = 30) -> list[float]:
    """The dark share of every page, rendered to greyscale images with pdftoppm."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    subprocess.run([tool("pdftoppm"), "-r", str(resolution), "-gray", str(path), str(tmp_path / "p")], check=True)
    return [dark_share(page.read_bytes()) for page in sorted(tmp_path.glob("p-*.pgm"))]


def add_response(counter_code: str, when: dt.datetime, comment: str | None = None, value: int = 5) -> None:
    counter = db.session.scalar(select(Counter).where(Counter.code == counter_code))
    answers = {
        key.removeprefix("q-"): int(given) if isinstance(given, str) and given.isdigit() else given
        for key, given in sipas_form_answers(value).items()
    }
    record(
        Draft(
            uuid=uuid.uuid4(),
            counter=counter,
            version=current_version("sipas"),
            answers=answers,
            language="vi",
            comment=comment,
            started_at=when - dt.timedelta(minutes=3),
            submitted_at=when,
        ),
        2000,
    )


@pytest.fixture
def demo_app(loaded_app):
    """4,000 demo responses from January to September 2026, accounts of every role (tests.staff), a hostile
    comment as the newest of the period at a Mộc Châu counter, and flagged responses: three of that agency's,
    one of the Department of Justice's."""
    create_accounts(loaded_app)
    with loaded_app.app_context():
        generate(4000, seed=7, days=270, today=dt.date(2026, 10, 1))
        add_response(HOSTILE_COUNTER, dt.datetime(2026, 9, 30, 9, 30, tzinfo=LOCAL_ZONE), HOSTILE)
        flagged = db.session.scalars(
            select(Response.id)
            .join(Counter)
            .where(Counter.code == HOSTILE_COUNTER, Response.submitted_at >= PERIOD.start)
            .order_by(Response.id)
            .limit(FLAGGED)
        ).all()
        elsewhere = db.session.scalar(
            select(Response.id)
            .join(Counter)
            .where(Counter.code == "so-tu-phap-1", Response.submitted_at >= PERIOD.start)
            .order_by(Response.id)
        )
        db.session.execute(update(Response).where(Response.id.in_([*flagged, elsewhere])).values(status="flagged"))
        db.session.commit()
    return loaded_app
