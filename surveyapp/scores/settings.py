"""Which settings apply to a period, and saving a new version of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select

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

    def describe(self) -> str:
        return (
            f"target {self.target:.0%}, {self.confidence:.0%} intervals ({self.method}), weighting {self.weighting}, "
            f"flagged responses {'excluded' if self.exclude_flagged else 'included'} [{self.source}]"
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
        row.target, row.confidence, row.method, row.weighting, row.exclude_flagged, f"{row.period} v{row.version}"
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
    )
    return row
