"""Enrolled kiosk devices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.auth.models import User
from surveyapp.db import UTCDateTime, db, utcnow
from surveyapp.organisation.models import Counter

#: What the kiosk does with a questionnaire left half-finished when it resets: drop it, or send it as partial.
PARTIAL_POLICIES = ("discard", "submit")


class Device(db.Model):
    """A tablet bound to one counter. Its token is shown once at enrolment; only a SHA-256 hash is kept."""

    __tablename__ = "device"
    __table_args__ = (CheckConstraint(f"partial_policy IN {PARTIAL_POLICIES!r}", name="partial_policy_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"))
    label: Mapped[str] = mapped_column(String(100))
    #: SHA-256 of the token, hex. Tokens are 256 random bits, so a fast hash is enough.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token's first characters, to tell devices apart on screen without revealing the token.
    token_hint: Mapped[str] = mapped_column(String(12))
    partial_policy: Mapped[str] = mapped_column(String(16), default="discard")
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: Last authenticated request from the device.
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Last response received from the device (queued answers arrive when the network comes back).
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Responses waiting in the device's offline queue, as it last reported.
    queue_length: Mapped[int | None]

    counter: Mapped[Counter] = relationship()
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id])
    retired_by: Mapped[User | None] = relationship(foreign_keys=[retired_by_id])

    @property
    def active(self) -> bool:
        return self.retired_at is None

    def __repr__(self) -> str:
        return f"<Device {self.id} at counter {self.counter_id}>"
