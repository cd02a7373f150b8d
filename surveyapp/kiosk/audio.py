"""Read-aloud audio per prompt (a question, each of its choices, a title) and language: the recording the reform
office published for that questionnaire version and language, else the recorded file the questionnaire names,
else speech that espeak-ng (Debian package ``espeak-ng``) generates from the prompt's text. A prompt whose text
the language lacks is read in Vietnamese (its published recording, else espeak-ng's Vietnamese voice), like the
text the screen shows; a language without an espeak-ng voice is heard only from recordings.

Generated clips are WAV files kept in ``KIOSK_AUDIO_DIR`` (``instance/audio`` by default) under a name derived
from the voice, the speech rate and the text, so a changed text gets a new clip and an unchanged one is made
once. ``load-surveys`` generates every clip when questionnaires are loaded; a clip still missing (a new
worker's empty folder) is generated on its first request.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess  # nosec B404  # espeak-ng runs with a fixed argument list, text on stdin
import tempfile
from dataclasses import dataclass
from pathlib import Path

from surveyapp import languages
from surveyapp.questionnaires.definition import Question, Questionnaire
from surveyapp.questionnaires.loader import AUDIO_DIR
from surveyapp.voices.prompts import prompt_text, question_prompts
from surveyapp.voices.service import clip_path, live


class AudioUnavailableError(RuntimeError):
    """No recorded file and no speech synthesiser for this question and language."""


@dataclass(frozen=True)
class Speech:
    command: str
    rate: int
    cache_dir: Path
    surveys_dir: Path

    @classmethod
    def from_config(cls, config) -> Speech:
        return cls(
            command=config["ESPEAK_COMMAND"],
            rate=int(config["KIOSK_SPEECH_RATE"]),
            cache_dir=Path(config["KIOSK_AUDIO_DIR"]),
            surveys_dir=Path(config["SURVEYS_DIR"]),
        )

    def clip(self, question: Question, language: str) -> tuple[Path, str]:
        """The file to play for ``question`` in ``language`` and its media type; generates it if needed."""
        recorded = question.audio.get(language)
        if recorded:
            return self.surveys_dir / AUDIO_DIR / recorded, _media_type(recorded)
        spoken = language if question.text.has(language) else question.text.reference
        voice = languages.voice(spoken)
        if voice is None:
            raise AudioUnavailableError(f"no voice for language '{spoken}'")
        return self.generate(question.text.get(language), voice), "audio/wav"

    def prompt_clip(
        self, version_id: int, questionnaire: Questionnaire, language: str, key: str, skip_words: str | None = None
    ) -> tuple[Path, str]:
        """The file to play for prompt ``key`` (see :mod:`surveyapp.voices.prompts`) of a questionnaire version
        (``questionnaire`` localised to ``language``) and its media type. ``skip_words`` are the words of the
        "No opinion" choice in ``language``, or ``None`` when that language has no translation of them.

        Raises ``KeyError`` for a prompt the questionnaire does not have, :class:`AudioUnavailableError` when
        there is neither a recording nor a voice."""
        text = prompt_text(questionnaire, key)
        recorded = live(version_id, language, key)
        if recorded is not None:
            return clip_path(self.cache_dir, recorded), recorded.media_type
        reference = questionnaire.reference_language
        if text is None:
            has = skip_words is not None
            words = skip_words if has else languages.translated(reference, "No opinion")
        else:
            has = text.has(language)
            words = text.get(language)
        spoken = language if has else reference
        if spoken != language:
            recorded = live(version_id, spoken, key)
            if recorded is not None:
                return clip_path(self.cache_dir, recorded), recorded.media_type
        if key.startswith("question/"):
            named = questionnaire.question(key.split("/", 1)[1]).audio.get(spoken)
            if named:
                return self.surveys_dir / AUDIO_DIR / named, _media_type(named)
        voice = languages.voice(spoken)
        if voice is None:
            raise AudioUnavailableError(f"no recording of this prompt in '{spoken}' and no voice to speak it")
        return self.generate(words, voice), "audio/wav"

    def generate(self, text: str, voice: str) -> Path:
        key = hashlib.sha256(f"{voice}\0{self.rate}\0{text}".encode()).hexdigest()[:24]
        path = self.cache_dir / f"{key}.wav"
        if path.is_file():
            return path
        executable = shutil.which(self.command)
        if executable is None:
            raise AudioUnavailableError(f"{self.command} is not installed")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, suffix=".part")
        os.close(fd)
        try:
            # The text goes through standard input, never the command line.
            subprocess.run(  # noqa: S603  # nosec B603  # fixed executable and arguments, no shell
                [executable, "-v", voice, "-s", str(self.rate), "-w", tmp, "--stdin"],
                input=text.encode("utf-8"),
                check=True,
                capture_output=True,
                timeout=30,
            )
            os.replace(tmp, path)  # atomic: another worker generating the same clip is harmless
        except (OSError, subprocess.SubprocessError) as exc:
            raise AudioUnavailableError(f"{self.command} failed: {exc}") from exc
        finally:
            Path(tmp).unlink(missing_ok=True)
        return path

    def generate_all(self, questionnaire: Questionnaire) -> int:
        """Make every missing clip of a questionnaire: each question and each of its choices, in each language
        of the questionnaire. Returns the clips ready."""
        ready = 0
        for question in questionnaire.questions:
            for language in questionnaire.languages:
                self.clip(question, language)
                ready += 1
                for key in question_prompts(question, skip=False)[1:]:
                    text = prompt_text(questionnaire, key)
                    voice = languages.voice(language if text.has(language) else text.reference)
                    if voice is not None:
                        self.generate(text.get(language), voice)
                        ready += 1
        return ready


def _media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {".ogg": "audio/ogg", ".opus": "audio/ogg", ".mp3": "audio/mpeg", ".wav": "audio/wav"}.get(
        suffix, "application/octet-stream"
    )
