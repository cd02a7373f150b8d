"""``flask reports``: the PDF reports of every unit of a level (or of chosen units) for a period, in parallel.

    flask --app surveyapp reports --period 2026-Q3 [--level agency] [--unit CODE ...] [--lang vi|en] --out DIR

Reports are rendered by a pool of processes (one per core by default), each with its own app and database
connection and its own scores for the period and the periods of the trend. Each file is written under a
temporary name in ``DIR`` and renamed when complete, so ``DIR`` never holds half a report. The command prints
a summary; bad input exits with status 1 and a sentence.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from surveyapp.audit import service as audit
from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.periods import Period, parse_period
from surveyapp.reports.data import Scores
from surveyapp.reports.render import unit_report
from surveyapp.scores.service import ScoringError, compute_scores

#: The languages reports are written in.
LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Task:
    period: str
    level: str
    unit_id: int
    code: str
    language: str
    comments: bool
    minimum_group: int
    out_dir: str


@dataclass(frozen=True)
class Outcome:
    code: str
    path: str | None = None
    #: Why there is no file: no responses (``None`` path, no error), or the error's message.
    error: str | None = None


def render_task(task: Task, scores: Scores) -> Outcome:
    """Render one unit's report and write it atomically into ``task.out_dir``."""
    try:
        rendered = unit_report(
            scores,
            parse_period(task.period),
            task.level,
            task.unit_id,
            task.language,
            include_comments=task.comments,
            minimum_group=task.minimum_group,
        )
        if rendered is None:
            return Outcome(task.code)
        path = Path(task.out_dir) / rendered.filename
        write_atomically(path, rendered.pdf)
        return Outcome(task.code, str(path))
    except Exception as exc:  # one unit's failure is reported; the batch goes on
        return Outcome(task.code, error=f"{type(exc).__name__}: {exc}")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed when complete."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# One app and one score cache per worker process.
_worker: dict[str, object] = {}


def _start_worker(import_name: str, config: dict) -> None:
    """Build the parent's app in a worker: its package's ``create_app`` with the parent's settings."""
    _worker["app"] = importlib.import_module(import_name).create_app(config)
    _worker["scores"] = Scores()


def _run_in_worker(task: Task) -> Outcome:
    app: Flask = _worker["app"]  # type: ignore[assignment]
    with app.app_context():
        try:
            return render_task(task, _worker["scores"])  # type: ignore[arg-type]
        finally:
            db.session.remove()


def _plain_config(app: Flask) -> dict:
    """The app's settings that a worker needs to build the same app (plain values only)."""
    plain = (str, int, float, bool, tuple, list, dict, type(None))
    return {key: value for key, value in app.config.items() if key.isupper() and isinstance(value, plain)}


def _units(period: Period, level: str, codes: tuple[str, ...]) -> list[tuple[int, str]]:
    try:
        report = compute_scores(period)
    except ScoringError as exc:
        raise click.ClickException(str(exc)) from None
    model = {"agency": Agency, "counter": Counter}.get(level, Area)
    if level not in ("agency", "counter"):
        known_levels = set(db.session.scalars(select(Area.level).distinct()))
        if level not in known_levels:
            choices = ", ".join(["counter", "agency", *sorted(known_levels)])
            raise click.ClickException(f"'{level}' is not a level of the organisation; choose one of {choices}.")
    if not codes:
        with_responses = report.respondents.get(level, {})
        return sorted(((uid, report.units[level][uid].code) for uid in with_responses), key=lambda u: u[1])
    query = select(model.id, model.code).where(model.code.in_(codes))
    if model is Area:
        query = query.where(Area.level == level)
    found = {code: uid for uid, code in db.session.execute(query)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise click.ClickException(f"There is no {level} with the code {', '.join(repr(c) for c in missing)}.")
    return [(found[code], code) for code in dict.fromkeys(codes)]


@click.command("reports")
@click.option("--period", help="A year (2026), quarter (2026-Q3) or month (2026-07). Required.")
@click.option(
    "--level", default="agency", show_default=True, help="counter, agency, or an area level (district, province)."
)
@click.option("--unit", "codes", multiple=True, help="A unit's code (repeatable); default: every unit with responses.")
@click.option("--lang", "language", default="vi", show_default=True, help="vi or en.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Folder for the PDF files (created). Required.")
@click.option("--jobs", type=int, help="Processes to render with; default: one per core.")
@click.option("--without-comments", is_flag=True, help="Leave citizens' comments out (for readers without that right).")
@with_appcontext
def reports_command(period, level, codes, language, out_dir, jobs, without_comments) -> None:
    """Render the PDF report of every unit of a level (or of the units given) for a period.

    Bad input is refused with a sentence and exit status 1 (click's own usage errors included), before anything
    is rendered.
    """
    started = time.perf_counter()
    if not period or out_dir is None:
        raise click.ClickException("Give the period (--period 2026-Q3) and the folder to write to (--out DIR).")
    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if language not in LANGUAGES:
        raise click.ClickException(f"Reports are written in {' or '.join(LANGUAGES)}; not in '{language}'.")
    if jobs is not None and jobs < 1:
        raise click.ClickException("--jobs needs at least one process.")
    units = _units(parsed, level, tuple(codes))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"Cannot create the folder {out_dir}: {exc.strerror}.") from None
    if not os.access(out_dir, os.W_OK):
        raise click.ClickException(f"Cannot write into the folder {out_dir}.")
    minimum = current_app.config["MIN_GROUP_SIZE"]
    tasks = [
        Task(parsed.code, level, uid, code, language, not without_comments, minimum, str(out_dir.resolve()))
        for uid, code in units
    ]
    jobs = max(1, min(jobs or _cores(), len(tasks)))
    outcomes = _render_all(tasks, jobs)
    written = [o for o in outcomes if o.path]
    empty = sorted(o.code for o in outcomes if not o.path and not o.error)
    failed = sorted((o for o in outcomes if o.error), key=lambda o: o.code)
    audit.record(
        "reports_generated",
        None,
        target=f"{level}:{parsed.code}",
        actor_label="cli",
        period=parsed.code,
        level=level,
        language=language,
        comments=not without_comments,
        written=len(written),
        failed=len(failed),
    )
    db.session.commit()
    elapsed = time.perf_counter() - started
    process_word = "process" if jobs == 1 else "processes"
    report_word = "report" if len(written) == 1 else "reports"
    click.echo(
        f"Wrote {len(written)} {level} {report_word} for {parsed.code} ({language}) to {out_dir} "
        f"in {elapsed:.1f} s with {jobs} {process_word}."
    )
    if empty:
        click.echo(f"No scored responses, no report: {', '.join(empty)}.")
    if failed:
        for outcome in failed:
            click.echo(f"Failed: {outcome.code}: {outcome.error}", err=True)
        raise click.ClickException(f"{len(failed)} of {len(tasks)} reports could not be rendered.")


def _cores() -> int:
    """The cores this process may run on (fewer than the machine's in a container or under taskset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _render_all(tasks: list[Task], jobs: int) -> list[Outcome]:
    if not tasks:
        return []
    if jobs == 1:
        scores = Scores()
        return [render_task(task, scores) for task in tasks]
    db.session.remove()
    db.engine.dispose()  # the workers open their own connections
    context = multiprocessing.get_context("spawn")
    app = current_app._get_current_object()
    initargs = (app.import_name, _plain_config(app))
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=initargs) as pool:
        futures = [pool.submit(_run_in_worker, task) for task in tasks]
        return [future.result() for future in as_completed(futures)]
