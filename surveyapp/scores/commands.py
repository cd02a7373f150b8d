"""Command-line access to scores and their settings."""

from __future__ import annotations

import sys
from dataclasses import replace

import click
from flask.cli import with_appcontext

from surveyapp.db import db
from surveyapp.periods import parse_period
from surveyapp.questionnaires.definition import RESPONDENT_TYPES
from surveyapp.scores.models import METHODS, WEIGHTINGS
from surveyapp.scores.output import table_lines, write_csv, write_json
from surveyapp.scores.service import ScoringError, compute_scores
from surveyapp.scores.settings import save_settings, settings_for


@click.command("scores")
@click.option("--period", required=True, help="A year (2026), quarter (2026-Q3) or month (2026-07).")
@click.option(
    "--level",
    default="agency",
    show_default=True,
    help="counter, agency, or an area level of the organisation (commune, district, province).",
)
@click.option("--instrument", default="sipas", show_default=True)
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--field", "field_code", help="Only responses about this field of procedure.")
@click.option(
    "--respondent",
    type=click.Choice(RESPONDENT_TYPES),
    help="Only those who came for themselves (self) or on behalf of an organisation or business.",
)
@click.option("--weighting", type=click.Choice(WEIGHTINGS), help="Override the stored settings' weighting.")
@click.option("--include-flagged", is_flag=True, help="Score flagged responses too.")
@click.option("--all-indices", is_flag=True, help="Table: every criterion and element, not only the main ones.")
@with_appcontext
def scores_command(
    period, level, instrument, output, field_code, respondent, weighting, include_flagged, all_indices
) -> None:
    """Scores for every unit of a level: estimate, interval, n and the target decision."""
    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    settings = settings_for(parsed.code)
    if weighting:
        settings = replace(settings, weighting=weighting, source=f"{settings.source}, weighting from the command")
    if include_flagged:
        settings = replace(settings, exclude_flagged=False, source=f"{settings.source}, flagged included")
    try:
        report = compute_scores(parsed, instrument, settings=settings, field_code=field_code, respondent=respondent)
    except ScoringError as exc:
        raise click.ClickException(str(exc)) from None
    if not report.has(level):
        raise click.ClickException(
            f"'{level}' is not a level of the organisation; choose one of "
            f"{', '.join((*report.levels, *report.groupings))}."
        )
    if output == "json":
        write_json(sys.stdout, report, level)
    elif output == "csv":
        write_csv(sys.stdout, report, level)
    else:
        names = report.names
        if not all_indices and report.kind == "sipas":
            names = (*(e.code for e in report.questionnaire.elements), "overall")
        for line in table_lines(report, level, names):
            click.echo(line)


@click.command("scoring-settings")
@click.option("--period", help="The period they apply to; leave out for every period without its own.")
@click.option("--target", type=click.FloatRange(0, 1, min_open=True, max_open=True))
@click.option("--confidence", type=click.FloatRange(0.5, 1, min_open=True, max_open=True))
@click.option("--method", type=click.Choice(METHODS))
@click.option("--weighting", type=click.Choice(WEIGHTINGS))
@click.option("--include-flagged/--exclude-flagged", default=None)
@click.option("--min-respondents", type=click.IntRange(min=1), help="Least answers behind a verdict (default 30).")
@click.option("--min-effective", type=click.FloatRange(min=0), help="Least effective sample size (default 30).")
@click.option("--max-width", type=click.FloatRange(0, 1, min_open=True), help="Widest interval (default 0.30).")
@click.option(
    "--max-relative-width",
    type=click.FloatRange(min=0),
    help="Widest interval over min(p, 1 - p) (default 1.30; 0 = no such rule).",
)
@click.option("--min-cell-size", type=click.IntRange(min=1), help="Least respondents in a post-stratum (default 20).")
@click.option("--note")
@with_appcontext
def settings_command(period, target, confidence, method, weighting, include_flagged, note, **rules) -> None:
    """Show the settings in force for a period, or save a new version when any value is given."""
    current = settings_for(parse_period(period).code if period else "*")
    if all(v is None for v in (target, confidence, method, weighting, include_flagged, *rules.values())):
        click.echo(current.describe())
        return
    if rules["max_relative_width"] == 0:
        rules["max_relative_width"] = None
    elif rules["max_relative_width"] is None:
        rules["max_relative_width"] = current.max_relative_width
    for name, value in rules.items():
        if value is None and name != "max_relative_width":
            rules[name] = getattr(current, name)
    try:
        row = save_settings(
            period,
            None,
            target=current.target if target is None else target,
            confidence=current.confidence if confidence is None else confidence,
            method=method or current.method,
            weighting=weighting or current.weighting,
            exclude_flagged=current.exclude_flagged if include_flagged is None else not include_flagged,
            note=note,
            **rules,
        )
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Saved settings {row.period} v{row.version}: {settings_for(row.period).describe()}")


COMMANDS = (scores_command, settings_command)
