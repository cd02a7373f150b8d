"""Roles and the actions each may take. Every permission check in the app goes through :func:`can`.

A role grants a list of actions; a person holds one role over one scope (the province, an area and everything
under it, an agency, or a counter). An action on a unit is allowed when the role grants it and the unit lies in
the person's scope.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    VIEW_SCORES = "view_scores"
    VIEW_COMMENTS = "view_comments"
    DOWNLOAD_REPORTS = "download_reports"
    EXPORT_DATA = "export_data"
    VIEW_DEVICES = "view_devices"
    MANAGE_DEVICES = "manage_devices"
    MANAGE_USERS = "manage_users"
    MANAGE_TARGETS = "manage_targets"
    MANAGE_WEIGHTS = "manage_weights"
    MANAGE_QUESTIONNAIRES = "manage_questionnaires"
    REVIEW_FLAGS = "review_flags"
    VIEW_AUDIT = "view_audit"


class Role(StrEnum):
    REFORM_OFFICE = "reform_office"
    AREA_OFFICER = "area_officer"
    AGENCY_MANAGER = "agency_manager"
    COUNTER_SUPERVISOR = "counter_supervisor"
    VIEWER = "viewer"


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.REFORM_OFFICE: frozenset(Action),
    Role.AREA_OFFICER: frozenset(
        {Action.VIEW_SCORES, Action.VIEW_COMMENTS, Action.DOWNLOAD_REPORTS, Action.EXPORT_DATA, Action.VIEW_DEVICES}
    ),
    Role.AGENCY_MANAGER: frozenset(
        {Action.VIEW_SCORES, Action.VIEW_COMMENTS, Action.DOWNLOAD_REPORTS, Action.VIEW_DEVICES}
    ),
    Role.COUNTER_SUPERVISOR: frozenset({Action.VIEW_DEVICES, Action.MANAGE_DEVICES}),
    Role.VIEWER: frozenset({Action.VIEW_SCORES, Action.DOWNLOAD_REPORTS}),
}

#: The kinds of scope each role may hold.
ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.REFORM_OFFICE: frozenset({"province"}),
    Role.AREA_OFFICER: frozenset({"area"}),
    Role.AGENCY_MANAGER: frozenset({"agency"}),
    Role.COUNTER_SUPERVISOR: frozenset({"agency", "counter"}),
    Role.VIEWER: frozenset({"province", "area", "agency"}),
}


def grants(role: str, action: Action) -> bool:
    """Whether ``role`` allows ``action`` anywhere in its scope."""
    try:
        return action in ROLE_ACTIONS[Role(role)]
    except ValueError:
        return False
