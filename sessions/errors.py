"""Named domain errors. Each carries a stable code (for the API) and an HTTP status hint.

The web layer turns them into Norwegian messages (via Flask-Babel) or JSON
``{"error": {"code": ..., "message": ...}}``; the domain never formats UI text.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: something the user asked for is not allowed or not valid."""

    code = "invalid"
    status = 400

    def __init__(self, detail: str = "", **params: object) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.params = params


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422

    def __init__(self, field: str, reason: str, **params: object) -> None:
        super().__init__(f"{field}: {reason}", field=field, reason=reason, **params)
        self.field = field
        self.reason = reason


class NotFound(DomainError):
    code = "not_found"
    status = 404


class UnknownJoinCode(DomainError):
    code = "unknown_join_code"
    status = 404


class WorkshopNotOpen(DomainError):
    code = "workshop_not_open"
    status = 409


class WorkshopNotDraft(DomainError):
    code = "workshop_not_draft"
    status = 409


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status = 409


class WrongWorkshop(DomainError):
    code = "wrong_workshop"
    status = 404


class NotYourContribution(DomainError):
    code = "not_your_contribution"
    status = 403


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


class NotInGroup(DomainError):
    """A participant posted to another group than the one they sit at."""

    code = "not_in_group"
    status = 409
