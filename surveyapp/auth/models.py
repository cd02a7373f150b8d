"""Staff accounts."""

from __future__ import annotations

import datetime as dt
import secrets

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.auth.roles import Action, Role, grants
from surveyapp.db import UTCDateTime, db, utcnow
from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.organisation.tree import Scope

_ONE_SCOPE = (
    "(CASE WHEN scope_area_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN scope_agency_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN scope_counter_id IS NULL THEN 0 ELSE 1 END) <= 1"
)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    """A member of staff. One role over one scope; the password is kept only as a scrypt hash."""

    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint(_ONE_SCOPE, name="one_scope"),
        CheckConstraint(f"role IN {tuple(r.value for r in Role)!r}", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sign-in name, stored lower-case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    scope_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    scope_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    scope_counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    #: A deactivated account cannot sign in; accounts are never deleted (the audit log refers to them).
    active: Mapped[bool] = mapped_column(default=True)
    #: Demo accounts (documented passwords) sign in only while the app runs in demo mode.
    demo: Mapped[bool] = mapped_column(default=False)
    #: Part of the session identifier: changing it (password change, deactivation) ends every open session.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    scope_area: Mapped[Area | None] = relationship()
    scope_agency: Mapped[Agency | None] = relationship()
    scope_counter: Mapped[Counter | None] = relationship()

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def scope(self) -> Scope:
        if self.scope_counter_id is not None:
            return Scope("counter", self.scope_counter_id)
        if self.scope_agency_id is not None:
            return Scope("agency", self.scope_agency_id)
        if self.scope_area_id is not None:
            return Scope("area", self.scope_area_id)
        return Scope.province()

    @property
    def scope_unit(self) -> Area | Agency | Counter | None:
        return self.scope_counter or self.scope_agency or self.scope_area

    @property
    def scope_label(self) -> str:
        """``province``, ``area:phuong-moc-chau``, ``agency:so-tu-phap``, ``counter:so-tu-phap-1``."""
        unit = self.scope_unit
        return "province" if unit is None else f"{self.scope.kind}:{unit.code}"

    def may(self, action: Action) -> bool:
        """Whether the role grants ``action`` somewhere in the scope (scope checks come separately)."""
        return self.active and grants(self.role, action)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
