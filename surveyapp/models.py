"""Every model, imported in one place so that migrations and the shell see the whole schema."""

from surveyapp.audit.models import AuditEntry
from surveyapp.auth.models import User
from surveyapp.devices.models import Device
from surveyapp.integrity.models import ResponseFlag
from surveyapp.organisation.models import Agency, Area, Counter, Field, ServiceVolume, UnitChange, UnitSplit
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.responses.models import Response
from surveyapp.scores.models import ScoringSettings
from surveyapp.voices.models import VoicePrompt

__all__ = [
    "Agency",
    "Area",
    "AuditEntry",
    "Counter",
    "Device",
    "Field",
    "Instrument",
    "QuestionnaireVersion",
    "Response",
    "ResponseFlag",
    "ScoringSettings",
    "ServiceVolume",
    "UnitChange",
    "UnitSplit",
    "User",
    "VoicePrompt",
]
