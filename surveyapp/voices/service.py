"""Storing, publishing and finding recorded voice prompts."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy import select

from surveyapp.audit import service as audit
from surveyapp.db import db, utcnow
from surveyapp.questionnaires.models import QuestionnaireVersion
from surveyapp.voices.models import SUFFIXES, VoicePrompt

#: Folder under ``KIOSK_AUDIO_DIR`` holding the recorded clips.
RECORDINGS = "recordings"


class RecordingError(ValueError):
    """A recording that cannot be kept; ``status`` is the HTTP status that says why (400, 413, 415)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def media_type_of(declared: str | None, data: bytes) -> str:
    """The accepted media type of a clip: the declared type (parameters such as ``codecs=opus`` ignored) when
    the bytes are of that kind. Raises :class:`RecordingError` (415) otherwise."""
    kind = (declared or "").split(";", 1)[0].strip().lower()
    kind = {"audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/mp3": "audio/mpeg"}.get(kind, kind)
    if kind not in SUFFIXES:
        raise RecordingError(
            f"A recording must be audio ({', '.join(sorted(SUFFIXES))}), not '{kind or 'unknown'}'.", 415
        )
    looks = {
        "audio/webm": data[:4] == b"\x1a\x45\xdf\xa3",
        "audio/ogg": data[:4] == b"OggS",
        "audio/wav": data[:4] == b"RIFF" and data[8:12] == b"WAVE",
        "audio/mpeg": data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0),
        "audio/mp4": data[4:8] == b"ftyp",
    }[kind]
    if not looks:
        raise RecordingError(f"The file is not {kind} audio.", 415)
    return kind


def save_recording(
    version: QuestionnaireVersion,
    language: str,
    key: str,
    data: bytes,
    declared_type: str | None,
    user,
    audio_dir: Path,
    max_bytes: int,
) -> VoicePrompt:
    """Keep a new recording of prompt ``key`` (a draft until published). Flushes; the caller commits."""
    if not data:
        raise RecordingError("The recording is empty.")
    if len(data) > max_bytes:
        raise RecordingError(
            f"A recording may be at most {max_bytes // 1024} KiB; this one is {len(data) // 1024} KiB.", 413
        )
    media_type = media_type_of(declared_type, data)
    digest = hashlib.sha256(data).hexdigest()
    folder = audio_dir / RECORDINGS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{SUFFIXES[media_type]}"
    if not path.is_file():
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    prompt = VoicePrompt(
        questionnaire_version_id=version.id,
        language=language,
        prompt=key,
        sha256=digest,
        media_type=media_type,
        size=len(data),
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(prompt)
    audit.record("voice.record", user, target=f"{version.label}/{language}/{key}", sha256=digest, size=len(data))
    return prompt


def newest(version_id: int, language: str, published: bool) -> dict[str, VoicePrompt]:
    """The newest recording of every prompt of a version and language (only published ones when asked)."""
    query = select(VoicePrompt).where(
        VoicePrompt.questionnaire_version_id == version_id, VoicePrompt.language == language
    )
    if published:
        query = query.where(VoicePrompt.published_at.is_not(None))
    found: dict[str, VoicePrompt] = {}
    for row in db.session.scalars(query.order_by(VoicePrompt.id)):
        found[row.prompt] = row
    return found


def live(version_id: int, language: str, key: str) -> VoicePrompt | None:
    """The recording citizens hear for a prompt: its newest published one."""
    return db.session.scalar(
        select(VoicePrompt)
        .where(
            VoicePrompt.questionnaire_version_id == version_id,
            VoicePrompt.language == language,
            VoicePrompt.prompt == key,
            VoicePrompt.published_at.is_not(None),
        )
        .order_by(VoicePrompt.id.desc())
        .limit(1)
    )


def publish(version: QuestionnaireVersion, language: str, user) -> int:
    """Make the newest recording of every prompt of ``version`` in ``language`` live. Audited; returns how many
    recordings went live (0 when there was nothing new). Flushes; the caller commits."""
    now = utcnow()
    fresh = [row for row in newest(version.id, language, published=False).values() if row.published_at is None]
    for row in fresh:
        row.published_at = now
    audit.record("voice.publish", user, target=f"{version.label}/{language}", prompts=sorted(r.prompt for r in fresh))
    db.session.flush()
    return len(fresh)


def clip_path(audio_dir: Path, prompt: VoicePrompt) -> Path:
    return audio_dir / RECORDINGS / prompt.filename
