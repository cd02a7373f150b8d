"""Scoring settings chosen by the reform office: stored, versioned, never changed once saved."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.db import UTCDateTime, db, utcnow

#: Period code of settings that apply to every period without settings of its own.
EVERY_PERIOD = "*"
WEIGHTINGS = ("none", "base", "poststratify", "rake")
METHODS = ("beta", "xlogit", "wilson", "jeffreys")


class ScoringSettings(db.Model):
    """One saved version of the settings for a period (or for every period: ``period = "*"``).

    The newest version for a period applies; older versions stay, so that a result can always say which
    settings produced it.
    """

    __tablename__ = "scoring_settings"
    __table_args__ = (
        UniqueConstraint("period", "version"),
        CheckConstraint("target > 0 AND target < 1", name="target_in_range"),
        CheckConstraint("confidence > 0.5 AND confidence < 1", name="confidence_in_range"),
        CheckConstraint(f"weighting IN {WEIGHTINGS!r}", name="weighting_known"),
        CheckConstraint(f"method IN {METHODS!r}", name="method_known"),
        CheckConstraint("min_respondents >= 1 AND min_cell_size >= 1", name="minimums_positive"),
        CheckConstraint("max_width > 0 AND max_width <= 1 AND max_relative_width >= 0", name="max_width_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ISO period (``2026-Q3``) or ``*`` for every period.
    period: Mapped[str] = mapped_column(String(7))
    version: Mapped[int]
    #: The share satisfied an agency should reach (SIPAS target of Sơn La: 0.90).
    target: Mapped[float]
    #: Two-sided confidence of intervals; target decisions are one-sided at (1 − confidence)/2.
    confidence: Mapped[float]
    #: Interval method for proportions: Korn–Graubard (``beta``), ``xlogit``, ``wilson`` or ``jeffreys``.
    method: Mapped[str] = mapped_column(String(16))
    #: Respondent weights: ``none``, ``base`` (agency volumes), ``poststratify`` (agency × field volumes),
    #: ``rake`` (agency and field margins).
    weighting: Mapped[str] = mapped_column(String(16))
    #: Leave responses flagged as produced rather than given out of the scores.
    exclude_flagged: Mapped[bool] = mapped_column(default=True)
    #: Reliability rules (NCHS presentation standards): an index with fewer answers than this, a smaller
    #: effective sample size, a wider interval (as a proportion) or a wider interval relative to
    #: min(p, 1 − p) gets no decision, rank or funnel position. ``max_relative_width`` 0 = no such rule.
    min_respondents: Mapped[int] = mapped_column(default=30, server_default="30")
    min_effective: Mapped[float] = mapped_column(default=30.0, server_default="30")
    max_width: Mapped[float] = mapped_column(default=0.30, server_default="0.3")
    max_relative_width: Mapped[float] = mapped_column(default=1.30, server_default="1.3")
    #: Post-strata with fewer respondents are collapsed (fields within an agency, then the agency total).
    min_cell_size: Mapped[int] = mapped_column(default=20, server_default="20")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
