"""Enrolling, retiring and authenticating kiosk devices."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from surveyapp.audit import service as audit
from surveyapp.db import db, utcnow
from surveyapp.devices.models import PARTIAL_POLICIES, Device
from surveyapp.organisation.models import Counter

#: Marks a string as a kiosk-device token (not a secret itself).
TOKEN_PREFIX = "kd_"  # noqa: S105  # nosec B105  # a public prefix, not a password


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Enrolment:
    device: Device
    #: The secret, shown once to the person enrolling; never stored.
    token: str


def enrol(counter: Counter, label: str, actor) -> Enrolment:
    """Create a device bound to ``counter`` and its token. Flushes and audits; the caller commits."""
    if not counter.in_service():
        raise ValueError(f"counter {counter.code} is no longer in service")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = Device(
        counter=counter,
        label=label.strip() or counter.code,
        token_hash=hash_token(token),
        token_hint=token[: len(TOKEN_PREFIX) + 6],
        enrolled_by_id=getattr(actor, "id", None),
    )
    db.session.add(device)
    db.session.flush()
    audit.record("device_enrolled", actor, target=f"device:{device.id}", counter=counter.code, label=device.label)
    return Enrolment(device, token)


def retire(device: Device, actor) -> None:
    """Retire a device: its token stops working at the next request. Flushes and audits."""
    if device.retired_at is not None:
        return
    device.retired_at = utcnow()
    device.retired_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("device_retired", actor, target=f"device:{device.id}", counter=device.counter.code)


def set_partial_policy(device: Device, policy: str, actor) -> None:
    """Choose what the device's kiosk does with a half-finished questionnaire. Flushes and audits."""
    if policy not in PARTIAL_POLICIES:
        raise ValueError(f"unknown partial policy '{policy}'")
    if device.partial_policy == policy:
        return
    before, device.partial_policy = device.partial_policy, policy
    db.session.flush()
    audit.record(
        "device_partial_policy_changed",
        actor,
        target=f"device:{device.id}",
        counter=device.counter.code,
        before=before,
        after=policy,
    )


def authenticate(token: str | None) -> Device | None:
    """The active device holding ``token``, or ``None``."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    digest = hash_token(token)
    # The counter and its agency come in the same query: every request of a device needs them.
    device = db.session.scalar(
        select(Device)
        .where(Device.token_hash == digest)
        .options(joinedload(Device.counter).joinedload(Counter.agency))
    )
    if device is None or device.retired_at is not None or not hmac.compare_digest(device.token_hash, digest):
        return None
    return device
