"""The prompts of a questionnaire: every text the kiosk can read aloud, each with a stable key.

| key | what is spoken |
|---|---|
| ``title`` | the questionnaire's title |
| ``element/<code>``, ``section/<code>`` | a screen's title |
| ``question/<code>`` | a question's text |
| ``point/<scale>/<value>`` | an answer on a scale (shared by every question on that scale) |
| ``option/<question>/<option>`` | a choice of a single- or multiple-choice question |
| ``skip`` | "No opinion", offered by skippable questions |
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from surveyapp.questionnaires.definition import Question, Questionnaire, Text

#: A prompt key as it appears in URLs.
KEY_PATTERN = re.compile(
    r"^(title|skip|(element|section|question)/[a-z][a-z0-9_-]{0,62}|point/[a-z][a-z0-9_-]{0,62}/-?\d{1,4}|option/[a-z][a-z0-9_-]{0,62}/[a-z][a-z0-9_-]{0,62})$"
)


@dataclass(frozen=True)
class Prompt:
    key: str
    #: What the prompt is, for the recording page: ``title``, ``screen``, ``question``, ``choice``.
    kind: str
    #: The text in the reference language's words when the language has none (``text`` is ``None`` for ``skip``,
    #: whose words are an interface string).
    text: Text | None


def question_prompts(question: Question, skip: bool = True) -> list[str]:
    """The keys read aloud for a question, in order: the question, then each choice."""
    keys = [f"question/{question.code}"]
    if question.scale is not None:
        keys += [f"point/{question.scale.code}/{point.value}" for point in question.scale.points]
    keys += [f"option/{question.code}/{option.code}" for option in question.options]
    if skip and question.skippable and question.type == "scale":
        keys.append("skip")
    return keys


def prompts(questionnaire: Questionnaire) -> Iterator[Prompt]:
    """Every prompt of the questionnaire once, in the order the kiosk shows them."""
    seen: set[str] = set()

    def once(prompt: Prompt) -> Iterator[Prompt]:
        if prompt.key not in seen:
            seen.add(prompt.key)
            yield prompt

    yield from once(Prompt("title", "title", questionnaire.title))
    for screen in questionnaire.screens():
        kind = "element" if screen.element else "section"
        yield from once(Prompt(f"{kind}/{screen.code}", "screen", screen.title))
        for question in screen.questions:
            yield from once(Prompt(f"question/{question.code}", "question", question.text))
            if question.scale is not None:
                for point in question.scale.points:
                    yield from once(Prompt(f"point/{question.scale.code}/{point.value}", "choice", point.label))
            for option in question.options:
                yield from once(Prompt(f"option/{question.code}/{option.code}", "choice", option.text))
            if question.skippable and question.type == "scale":
                yield from once(Prompt("skip", "choice", None))


def prompt_text(questionnaire: Questionnaire, key: str) -> Text | None:
    """The text of prompt ``key``; raises ``KeyError`` for a key the questionnaire does not have (``skip`` has
    no questionnaire text: ``None``)."""
    for prompt in prompts(questionnaire):
        if prompt.key == key:
            return prompt.text
    raise KeyError(key)
