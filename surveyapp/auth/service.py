"""Account use cases: signing in, changing and resetting passwords, creating and changing accounts.

Functions flush and write audit entries; views and the command line commit.
"""

from __future__ import annotations

import secrets
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from surveyapp.audit import service as audit
from surveyapp.auth.models import User, new_session_token
from surveyapp.auth.roles import ROLE_SCOPES, Role
from surveyapp.db import db, utcnow
from surveyapp.organisation.models import Agency, Area, Counter

#: Passwords are hashed with scrypt (N=2^15, r=8, p=1) by Werkzeug.
HASH_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
#: Compared against when the e-mail is unknown, so that an unknown account takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password", method=HASH_METHOD)


class AccountError(ValueError):
    """An account change cannot be made; the message is a sentence for the person making it."""


def normalise_email(email: str) -> str:
    return unicodedata.normalize("NFC", email).strip().lower()


def hash_password(password: str) -> str:
    check_password_strength(password)
    return generate_password_hash(password, method=HASH_METHOD)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("A password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
    if len(set(password)) < 4:
        raise AccountError(_l("A password needs more than a few different characters."))


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str, demo_mode: bool) -> User | None:
    """The account with this e-mail and password if it may sign in now, else ``None``; audits both outcomes."""
    user = find_user(email)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    reason = None
    if user is None or not valid:
        reason = "wrong e-mail or password"
    elif not user.active:
        reason = "account deactivated"
    elif user.demo and not demo_mode:
        reason = "demo account outside demo mode"
    if reason:
        audit.record("sign_in_failed", user if user else None, actor_label=normalise_email(email)[:254], reason=reason)
        return None
    user.last_sign_in_at = utcnow()
    audit.record("sign_in", user)
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise AccountError(_l("The current password is not right."))
    if current == new:
        raise AccountError(_l("The new password must differ from the current one."))
    _set_password(user, new)
    audit.record("password_changed", user, target=f"user:{user.id}")


def reset_password(user: User, actor, actor_label: str | None = None) -> str:
    """Give ``user`` a new random password and return it (to be handed over once)."""
    password = secrets.token_urlsafe(12)
    _set_password(user, password)
    audit.record("password_reset", actor, target=f"user:{user.id}", actor_label=actor_label, email=user.email)
    return password


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()  # every open session of this account ends
    db.session.flush()


SCOPE_MODELS = {
    "area": (Area, "scope_area_id"),
    "agency": (Agency, "scope_agency_id"),
    "counter": (Counter, "scope_counter_id"),
}


def resolve_scope(role: str, scope: str | None) -> dict[str, int | None]:
    """Turn a role and a scope such as ``province``, ``area:phuong-moc-chau``, ``agency:so-tu-phap`` or
    ``counter:so-tu-phap-1`` into the account's scope columns, checking that the role may hold that scope."""
    try:
        role = Role(role)
    except ValueError as exc:
        raise AccountError(_l("'%(role)s' is not a role.", role=role)) from exc
    columns: dict[str, int | None] = {"scope_area_id": None, "scope_agency_id": None, "scope_counter_id": None}
    kind, _, code = (scope or "province").partition(":")
    if kind not in ROLE_SCOPES[role]:
        allowed = ", ".join(sorted(ROLE_SCOPES[role]))
        raise AccountError(_l("The role %(role)s works over: %(scopes)s.", role=role.value, scopes=allowed))
    if kind == "province":
        return columns
    model, column = SCOPE_MODELS[kind]
    unit_id = db.session.scalar(select(model.id).where(model.code == code))
    if unit_id is None:
        raise AccountError(_l("There is no %(kind)s with the code '%(code)s'.", kind=kind, code=code))
    columns[column] = unit_id
    return columns


def create_user(
    email: str,
    name: str,
    role: str,
    scope: str | None,
    password: str,
    actor,
    actor_label: str | None = None,
    demo: bool = False,
) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_l("An e-mail address is needed to sign in."))
    if find_user(email) is not None:
        raise AccountError(_l("An account for %(email)s already exists.", email=email))
    user = User(
        email=email,
        name=unicodedata.normalize("NFC", name).strip() or email,
        role=Role(role).value,
        password_hash=hash_password(password),
        demo=demo,
        **resolve_scope(role, scope),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user_created",
        actor,
        target=f"user:{user.id}",
        actor_label=actor_label,
        email=email,
        role=user.role,
        scope=scope or "province",
    )
    return user


def update_user(user: User, actor, *, name: str, role: str, scope: str | None, active: bool) -> None:
    before = {"name": user.name, "role": user.role, "scope": user.scope_label, "active": user.active}
    if actor is not None and actor.id == user.id and (not active or role != user.role):
        raise AccountError(_l("You cannot change your own role or deactivate yourself."))
    columns = resolve_scope(role, scope)
    user.name = unicodedata.normalize("NFC", name).strip() or user.name
    user.role = Role(role).value
    for column, value in columns.items():
        setattr(user, column, value)
    if user.active and not active:
        user.session_token = new_session_token()
    user.active = active
    db.session.flush()
    db.session.refresh(user)
    after = {"name": user.name, "role": user.role, "scope": user.scope_label, "active": user.active}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        audit.record("user_changed", actor, target=f"user:{user.id}", changes=changes)


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))
