"""Which settings apply to a period, and saving a new version of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select

import scoring
from surveyapp.audit import service as audit
from surveyapp.db import db
from surveyapp.periods import parse_period
from surveyapp.scores.models import EVERY_PERIOD, METHODS, WEIGHTINGS, ScoringSettings


@dataclass(frozen=True)
class Settings:
    """The settings a result was computed with; printed with every result."""

    target: float = 0.90
    confidence: float = 0.95
    method: str = "beta"
    weighting: str = "poststratify"
    exclude_flagged: bool = True
    #: Where they come from: ``built-in``, or ``<period> v<version>`` of the stored settings.
    source: str = "built-in"
    #: Reliability rules (defaults: the NCHS presentation standards for proportions).
    min_respondents: int = 30
    min_effective: float = 30.0
    max_width: float = 0.30
    max_relative_width: float | None = 1.30
    #: Least respondents in a post-stratum before it is collapsed (fields within an agency, then the agency).
    min_cell_size: int = 20

    @property
    def rules(self) -> scoring.ReliabilityRules:
        """The reliability rules as the scoring library takes them."""
        return scoring.ReliabilityRules(
            min_n=self.min_respondents,
            min_effective=self.min_effective,
            max_width=self.max_width,
            max_relative_width=self.max_relative_width,
        )

    def describe(self) -> str:
        relative = "off" if self.max_relative_width is None else f"{self.max_relative_width:.0%}"
        return (
            f"target {self.target:.0%}, {self.confidence:.0%} intervals ({self.method}), weighting {self.weighting} "
            f"(post-strata of at least {self.min_cell_size}), "
            f"flagged responses {'excluded' if self.exclude_flagged else 'included'}, "
            f"reliability: n >= {self.min_respondents}, n_eff >= {self.min_effective:g}, "
            f"width <= {self.max_width:.0%}, relative width <= {relative} [{self.source}]"
        )

    def as_dict(self) -> dict:
        return asdict(self)


def _newest(period: str) -> ScoringSettings | None:
    return db.session.scalar(
        select(ScoringSettings).where(ScoringSettings.period == period).order_by(ScoringSettings.version.desc())
    )


def settings_for(period: str) -> Settings:
    """The newest settings saved for ``period``, else for every period, else the built-in defaults."""
    row = _newest(period) or _newest(EVERY_PERIOD)
    if row is None:
        return Settings()
    return Settings(
        row.target,
        row.confidence,
        row.method,
        row.weighting,
        row.exclude_flagged,
        f"{row.period} v{row.version}",
        min_respondents=row.min_respondents,
        min_effective=row.min_effective,
        max_width=row.max_width,
        max_relative_width=row.max_relative_width or None,
        min_cell_size=row.min_cell_size,
    )


def save_settings(
    period: str | None,
    actor,
    *,
    target: float,
    confidence: float,
    method: str,
    weighting: str,
    exclude_flagged: bool = True,
    note: str | None = None,
    min_respondents: int = Settings.min_respondents,
    min_effective: float = Settings.min_effective,
    max_width: float = Settings.max_width,
    max_relative_width: float | None = Settings.max_relative_width,
    min_cell_size: int = Settings.min_cell_size,
) -> ScoringSettings:
    """Store a new version of the settings for ``period`` (``None`` = every period). Flushes and audits."""
    code = EVERY_PERIOD if period in (None, "", EVERY_PERIOD) else parse_period(period).code
    if not 0 < target < 1:
        raise ValueError("The target must lie strictly between 0 and 1 (0.9 means 90%).")
    if not 0.5 < confidence < 1:
        raise ValueError("The confidence must lie between 0.5 and 1 (0.95 means 95%).")
    if method not in METHODS:
        raise ValueError(f"Unknown interval method '{method}': choose one of {', '.join(METHODS)}.")
    if weighting not in WEIGHTINGS:
        raise ValueError(f"Unknown weighting '{weighting}': choose one of {', '.join(WEIGHTINGS)}.")
    max_relative_width = max_relative_width or None  # 0 or None: no relative-width rule
    scoring.ReliabilityRules(min_respondents, min_effective, max_width, max_relative_width)  # says what is wrong
    if int(min_cell_size) != min_cell_size or min_cell_size < 1:
        raise ValueError(f"The least post-stratum size must be a whole number of at least 1, not {min_cell_size}.")
    version = (
        db.session.scalar(select(func.max(ScoringSettings.version)).where(ScoringSettings.period == code)) or 0
    ) + 1
    row = ScoringSettings(
        period=code,
        version=version,
        target=target,
        confidence=confidence,
        method=method,
        weighting=weighting,
        exclude_flagged=exclude_flagged,
        min_respondents=int(min_respondents),
        min_effective=float(min_effective),
        max_width=float(max_width),
        max_relative_width=float(max_relative_width or 0.0),
        min_cell_size=int(min_cell_size),
        note=note,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "settings_changed",
        actor,
        target=f"settings:{code} v{version}",
        actor_label=None if actor else "cli",
        period=code,
        version=version,
        target_share=target,
        confidence=confidence,
        method=method,
        weighting=weighting,
        exclude_flagged=exclude_flagged,
        min_respondents=int(min_respondents),
        min_effective=float(min_effective),
        max_width=float(max_width),
        max_relative_width=max_relative_width,
        min_cell_size=int(min_cell_size),
    )
    return row
