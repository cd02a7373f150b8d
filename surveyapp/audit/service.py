"""Writing audit entries, in the same transaction as the action they record."""

from __future__ import annotations

from typing import Any

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db


def record(
    action: str, actor=None, target: str | None = None, actor_label: str | None = None, **details: Any
) -> AuditEntry:
    """Add an audit entry for ``action`` by ``actor`` (a :class:`~surveyapp.auth.models.User` or ``None``).

    ``actor_label`` names an actor who is not a signed-in person (``cli``, ``device:3``, or the e-mail typed in
    a failed sign-in). Flushes with the caller's transaction: the entry is stored exactly when the action is.
    """
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor=actor_label or getattr(actor, "email", None) or "anonymous",
        actor_role=getattr(actor, "role", None),
        actor_scope=getattr(actor, "scope_label", None),
        action=action,
        target=target,
        details=details,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
