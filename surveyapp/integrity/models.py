"""Why a response was flagged. A response keeps every flag it ever got; its status says what counts now."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.db import BigId, UTCDateTime, db, utcnow
from surveyapp.responses.models import Response

#: ``burst``: more responses from one source in a short time than people can give; ``repeated``: the same
#: answers again and again in quick succession; ``too_fast``: completed faster than the questions can be read;
#: ``outside_hours``: submitted while the counter is closed; ``honeypot``: the field people never see was filled;
#: ``device_clock``: the device's clock was implausible, so the response was placed at the server's receipt.
REASONS = ("burst", "repeated", "too_fast", "outside_hours", "honeypot", "device_clock")


class ResponseFlag(db.Model):
    __tablename__ = "response_flag"
    __table_args__ = (
        CheckConstraint(f"reason IN {REASONS!r}", name="reason_known"),
        Index("ix_response_flag_response", "response_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    response_id: Mapped[int] = mapped_column(BigId, ForeignKey("response.id"))
    reason: Mapped[str] = mapped_column(String(32))
    #: What was measured, in words: "6 responses within 120 s", "completed in 4 s (at least 25 s expected)".
    detail: Mapped[str] = mapped_column(String(200))
    flagged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship()

    def __repr__(self) -> str:
        return f"<ResponseFlag {self.reason} on {self.response_id}>"
