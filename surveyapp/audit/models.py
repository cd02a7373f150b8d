"""Audit entries. Append-only: the application inserts them and never changes or deletes one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.db import BigId, UTCDateTime, db, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_at", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The account that acted, when a person did (``None`` for the command line or a device).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: Who acted, as text kept even if the account changes: an e-mail, ``cli`` or ``device:<id>``.
    actor: Mapped[str] = mapped_column(String(254))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    #: The actor's scope at the time: ``province``, ``area:<code>``, ``agency:<code>``, ``counter:<code>``.
    actor_scope: Mapped[str | None] = mapped_column(String(100))
    #: What happened: ``sign_in``, ``sign_in_failed``, ``user_created``, ``device_enrolled``, ...
    action: Mapped[str] = mapped_column(String(64))
    #: What it happened to, e.g. ``user:12`` or ``device:3``.
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise PermissionError("audit entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise PermissionError("audit entries cannot be deleted")
