"""Enrolling, retiring and authenticating kiosk devices."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from surveyapp.audit import service as audit
from surveyapp.db import db, utcnow
from surveyapp.devices.cache import device_cache
from surveyapp.devices.models import PARTIAL_POLICIES, Device
from surveyapp.organisation.models import Counter
from surveyapp.responses.models import Response

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
    device_cache().forget(device.token_hash)  # other processes: the write of a response checks (see record)
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


def authenticate(token: str | None, cached: bool = False) -> Device | None:
    """The active device holding ``token``, or ``None``.

    The device comes detached from the session, with its counter and the counter's agency and field loaded: read
    it, do not change it through the ORM (see :func:`note_seen`). With ``cached``, a device this process read in
    the last ``DEVICE_CACHE_SECONDS`` is not read again (:mod:`surveyapp.devices.cache`): for the submission of
    responses, whose write checks that the device is still active.
    """
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    digest = hash_token(token)
    device = device_cache().get(digest, lambda: _load(digest)) if cached else _load(digest)
    if device is None or device.retired_at is not None or not hmac.compare_digest(device.token_hash, digest):
        return None
    return device


def _load(digest: str) -> Device | None:
    """The device whose token hash is ``digest``, with what every request of a device needs, in one query;
    detached, so that it can outlive the request."""
    device = db.session.scalar(
        select(Device)
        .where(Device.token_hash == digest)
        .options(joinedload(Device.counter).joinedload(Counter.agency), joinedload(Device.counter, Counter.field))
    )
    if device is None or device.retired_at is not None:
        return None
    for loaded in (device, device.counter, device.counter.agency, device.counter.field):
        if loaded is not None:
            db.session.expunge(loaded)
    return device


@dataclass(frozen=True)
class WrongClock:
    """A device whose latest response came with a time its clock cannot have had right."""

    #: What the device's clock said when it sent that response.
    device_time: dt.datetime
    #: When the server received it.
    received_at: dt.datetime


def wrong_clocks(device_ids: Iterable[int]) -> dict[int, WrongClock]:
    """The devices among ``device_ids`` whose latest response had an implausible clock (flag ``device_clock``;
    see :func:`surveyapp.integrity.rules.place`), so that a supervisor can set the tablet's date and time.

    One statement: for each device, its latest response through the ``(device_id, submitted_at)`` index (a
    response with a wrong clock is placed at its receipt, so it is the latest until a right one comes).
    """
    ids = list(device_ids)
    if not ids:
        return {}
    earlier = aliased(Response)
    latest = (
        select(earlier.id)
        .where(earlier.device_id == Device.id)
        .order_by(earlier.submitted_at.desc(), earlier.id.desc())
        .limit(1)
        .correlate(Device)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Device.id, Response.device_submitted_at, Response.device_started_at, Response.received_at)
        .join(Response, Response.id == latest)
        .where(Device.id.in_(ids))
    )
    return {
        row.id: WrongClock(row.device_submitted_at or row.device_started_at, row.received_at)
        for row in rows
        if row.device_submitted_at is not None
    }


#: How fresh a device's "last seen" and "last sync" times are kept. A device sending a queue of answers
#: would otherwise write its own row with every one of them; the supervisor's page needs minutes, not seconds.
SEEN_RESOLUTION = dt.timedelta(seconds=30)


def seen_changes(
    device: Device, now: dt.datetime, queue_length: int | None = None, synced: bool = False
) -> dict[str, Any]:
    """What to write when ``device`` is seen (and synced) at ``now``: the times when they are older than
    :data:`SEEN_RESOLUTION`, the queue length whenever it changed; empty when nothing is worth a write."""
    changes: dict[str, Any] = {}
    if device.last_seen_at is None or now - device.last_seen_at >= SEEN_RESOLUTION:
        changes["last_seen_at"] = now
    if queue_length is not None and device.queue_length != queue_length:
        changes["queue_length"] = queue_length
    if synced and (device.last_sync_at is None or now - device.last_sync_at >= SEEN_RESOLUTION):
        changes["last_sync_at"] = now
    return changes


def note_seen(device: Device, changes: dict[str, Any]) -> None:
    """Write ``changes`` (from :func:`seen_changes`) to the device's row in the current transaction."""
    if changes:
        db.session.execute(update(Device).where(Device.id == device.id).values(changes))


def remember_seen(device: Device, changes: dict[str, Any]) -> None:
    """Once ``changes`` are committed, let the (detached, perhaps cached) device know, so that the next request
    of this process does not write them again."""
    for name, value in changes.items():
        set_committed_value(device, name, value)
