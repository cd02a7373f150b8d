"""Recorded voice prompts. A row is one recording; the clip itself is a file named by its SHA-256 in
``KIOSK_AUDIO_DIR/recordings``. Recording again adds a row; publishing stamps the newest recording of every
prompt of a version and language, and the kiosk plays only the newest published one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.db import UTCDateTime, db, utcnow


class VoicePrompt(db.Model):
    __tablename__ = "voice_prompt"
    __table_args__ = (
        Index("ix_voice_prompt_version_language_prompt", "questionnaire_version_id", "language", "prompt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    language: Mapped[str] = mapped_column(String(16))
    #: What is spoken: ``title``, ``element/<code>``, ``section/<code>``, ``question/<code>``,
    #: ``option/<question>/<option>``, ``point/<scale>/<value>``, ``skip`` (see :mod:`surveyapp.voices.prompts`).
    prompt: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the clip, its file name without suffix.
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: When the recording went live; ``None`` while it is a draft, never played to citizens.
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def filename(self) -> str:
        return f"{self.sha256}{SUFFIXES[self.media_type]}"


#: Accepted clip types, their file suffix, and the bytes such a file starts with.
SUFFIXES = {"audio/webm": ".webm", "audio/ogg": ".ogg", "audio/wav": ".wav", "audio/mpeg": ".mp3", "audio/mp4": ".m4a"}
