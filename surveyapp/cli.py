"""Command-line interface: ``flask --app surveyapp <command>`` or the ``surveyapp`` console script.

Commands that read data files refuse bad input with the file, the place inside it and what is wrong, and exit
with status 1 — never with a traceback. Commands that write commit once at the end: a failed run stores nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from surveyapp.auth.models import User
from surveyapp.auth.roles import Role
from surveyapp.auth.service import AccountError, create_user, find_user, reset_password
from surveyapp.datafiles import DefinitionError
from surveyapp.db import db
from surveyapp.demo import (
    DEMO_USERS,
    GAMING_COUNTER,
    create_demo_users,
    existing_responses,
    generate,
    generate_gaming,
)
from surveyapp.integrity.rules import FlagRules
from surveyapp.kiosk.audio import AudioUnavailableError, Speech
from surveyapp.organisation.loader import load_organisation, load_volumes
from surveyapp.organisation.reorganise import apply_plan, plan_reorganisation, write_reversal
from surveyapp.periods import parse_period
from surveyapp.questionnaires.loader import load_directory
from surveyapp.questionnaires.models import QuestionnaireVersion
from surveyapp.responses.export import export_csv
from surveyapp.scores import commands as score_commands


class DataError(click.ClickException):
    """A clear message and exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def _fail(exc: Exception) -> DataError:
    db.session.rollback()
    return DataError(str(exc))


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Database schema is up to date.")


@click.command("load-org")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def load_org_command(path: Path | None) -> None:
    """Load the organisation file (areas, agencies, counters, fields); default: the shipped Sơn La file."""
    path = path or Path(current_app.config["ORGANISATION_FILE"])
    try:
        summary = load_organisation(path)
    except DefinitionError as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(
        f"Loaded {path.name}: {summary.areas} areas, {summary.agencies} agencies, {summary.counters} counters, "
        f"{summary.fields} fields of procedure."
    )


@click.command("reorganise")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print what would change and change nothing.")
@click.option(
    "--write-reversal",
    "reversal_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the change file that undoes this one.",
)
@with_appcontext
def reorganise_command(path: Path, dry_run: bool, reversal_path: Path | None) -> None:
    """Apply a change file (merge, split, rename, move, retire, ...) to the organisation, in one transaction."""
    try:
        plan = plan_reorganisation(path)
    except DefinitionError as exc:
        raise _fail(exc) from None
    for line in plan.lines():
        click.echo(line)
    if dry_run:
        db.session.rollback()
        if reversal_path:
            write_reversal(plan, reversal_path)
            click.echo(f"Wrote the reversal to {reversal_path}.")
        click.echo("Dry run: nothing was changed.")
        return
    try:
        apply_plan(plan)
    except IntegrityError as exc:
        raise _fail(
            ValueError(f"{path}: the organisation changed while it was applied ({exc.orig}); nothing was stored")
        ) from None
    db.session.commit()
    if reversal_path:
        write_reversal(plan, reversal_path)
        click.echo(f"Wrote the reversal to {reversal_path}.")
    click.echo(f"Applied {path.name} (effective {plan.effective.isoformat()}).")


@click.command("load-surveys")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def load_surveys_command(directory: Path | None) -> None:
    """Validate and load every questionnaire definition (*.toml) in DIRECTORY (default: surveys/)."""
    directory = directory or Path(current_app.config["SURVEYS_DIR"])
    if not directory.is_dir():
        raise DataError(f"{directory} is not a folder of questionnaire definitions")
    try:
        results = load_directory(directory)
    except DefinitionError as exc:
        raise _fail(exc) from None
    db.session.commit()
    for result in results:
        click.echo(f"{result.source}: {result.instrument} v{result.version} {result.outcome}")
    speech = Speech.from_config(current_app.config)
    try:
        clips = sum(speech.generate_all(v.definition) for v in db.session.scalars(select(QuestionnaireVersion)))
    except AudioUnavailableError as exc:
        click.echo(f"Read-aloud audio not generated ({exc}); it will be generated when first played.", err=True)
    else:
        click.echo(f"Read-aloud audio ready: {clips} clips.")


@click.command("load-volumes")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def load_volumes_command(path: Path | None) -> None:
    """Load service volumes (agency,field,period,cases) from a CSV file."""
    path = path or Path(current_app.config["VOLUMES_FILE"])
    try:
        summary = load_volumes(path)
    except DefinitionError as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(f"Loaded {summary.rows} service volumes for {', '.join(summary.periods)}.")


@click.command("demo")
@click.option("--responses", "count", default=20000, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--append", is_flag=True, help="Add to existing responses instead of refusing.")
@click.option("--gaming", is_flag=True, help=f"Also a kiosk tablet that games its counter ({GAMING_COUNTER}).")
@with_appcontext
def demo_command(count: int, seed: int, append: bool, gaming: bool) -> None:
    """Generate demo responses with realistic patterns over the past months."""
    if existing_responses() and not append:
        raise DataError("the database already holds responses; pass --append to add demo responses anyway")
    try:
        summary = generate(count, seed)
        gamed = generate_gaming(seed, FlagRules.from_config(current_app.config)) if gaming else None
    except ValueError as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(
        f"Generated {summary.responses} demo responses at {summary.counters} counters, "
        f"{summary.first_day:%d/%m/%Y}–{summary.last_day:%d/%m/%Y}."
    )
    if gamed:
        click.echo(
            f"A kiosk tablet at {gamed.counter} games its counter: {gamed.responses} responses, "
            f"{gamed.flagged} of them flagged."
        )


@click.command("setup-demo")
@click.option("--responses", "count", default=20000, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.pass_context
@with_appcontext
def setup_demo_command(ctx: click.Context, count: int, seed: int) -> None:
    """Schema, Sơn La organisation, questionnaires, service volumes and (once) demo responses."""
    ctx.invoke(init_db_command)
    ctx.invoke(load_org_command)
    ctx.invoke(load_surveys_command)
    ctx.invoke(load_volumes_command)
    if existing_responses():
        click.echo("Demo responses already present; keeping them.")
    else:
        ctx.invoke(demo_command, count=count, seed=seed, append=False, gaming=True)
    create_demo_users()
    db.session.commit()
    click.echo("Demo accounts (they sign in only with SURVEYAPP_DEMO_MODE=true):")
    for user in DEMO_USERS:
        click.echo(f"  {user.role:<19} {user.scope:<20} {user.email:<26} password: {user.password}")


@click.command("export-responses")
@click.option("--instrument", default="sipas", show_default=True)
@click.option("--period", help="A year (2026), quarter (2026-Q3) or month (2026-07); default: everything.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="CSV file to write (default: standard output).",
)
@with_appcontext
def export_responses_command(instrument: str, period: str | None, out_path: Path | None) -> None:
    """Export stored responses as CSV (UTF-8): one row per response, one column per question."""
    try:
        parsed = parse_period(period) if period else None
    except ValueError as exc:
        raise DataError(str(exc)) from None
    if out_path is None:
        _export(sys.stdout, instrument, parsed)
        return
    tmp = out_path.with_name(out_path.name + ".part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        count = _export(handle, instrument, parsed)
    tmp.replace(out_path)
    click.echo(f"Wrote {count} responses to {out_path}.", err=True)


def _export(handle, instrument: str, period) -> int:
    try:
        return export_csv(handle, instrument, period)
    except ValueError as exc:
        raise DataError(str(exc)) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.REFORM_OFFICE.value, show_default=True)
@click.option(
    "--scope", default="province", show_default=True, help="province, area:<code>, agency:<code> or counter:<code>"
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt.")
@with_appcontext
def create_user_command(email: str, name: str, role: str, scope: str, password_stdin: bool) -> None:
    """Create a staff account (the first reform-office account, or any other)."""
    password = _read_password(password_stdin)
    try:
        user = create_user(email, name, role, scope, password, actor=None, actor_label="cli")
    except AccountError as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}, {user.scope_label}).")


@click.command("reset-password")
@click.argument("email")
@with_appcontext
def reset_password_command(email: str) -> None:
    """Give an account a new random password and print it once."""
    user = find_user(email)
    if user is None:
        raise DataError(f"there is no account for {email}")
    password = reset_password(user, actor=None, actor_label="cli")
    db.session.commit()
    click.echo(f"New password for {user.email}: {password}")


@click.command("list-users")
@with_appcontext
def list_users_command() -> None:
    """List staff accounts with their role and scope."""
    for user in db.session.scalars(select(User).order_by(User.role, User.email)):
        state = "active" if user.active else "deactivated"
        demo = " demo" if user.demo else ""
        click.echo(f"{user.email:<32} {user.role:<19} {user.scope_label:<28} {state}{demo}")


COMMANDS = (
    init_db_command,
    load_org_command,
    load_surveys_command,
    load_volumes_command,
    reorganise_command,
    demo_command,
    setup_demo_command,
    export_responses_command,
    create_user_command,
    reset_password_command,
    list_users_command,
)


def register(app: Flask) -> None:
    for command in (*COMMANDS, *score_commands.COMMANDS):
        app.cli.add_command(command)
