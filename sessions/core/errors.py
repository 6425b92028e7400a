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


class ShareLinkRevoked(DomainError):
    """A report share link that a facilitator revoked."""

    code = "share_link_revoked"
    status = 410


class ShareLinkExpired(DomainError):
    """A report share link past its last day."""

    code = "share_link_expired"
    status = 410


# -- running the room (sessions/rounds/, sessions/contributions/moderation.py, sessions/rounds/voting.py) ------------------


class RoundClosed(DomainError):
    """No round is collecting posts now (time is up, or the plan is between rounds or over)."""

    code = "round_closed"
    status = 409


class UnknownOrigin(DomainError):
    """A «Hos oss» case names a contribution it grew from that is not a visible need or proposal of this
    workshop (unknown, another workshop's, deleted, hidden, merged away or a local case: not told apart)."""

    code = "unknown_origin"
    status = 422


class KindNotOpen(DomainError):
    """The running round collects another kind of contribution."""

    code = "kind_not_open"
    status = 409


class VotingClosed(DomainError):
    """No voting round is running."""

    code = "voting_closed"
    status = 409


class AlreadyVoted(DomainError):
    """A participant has a dot on this contribution already (one dot per contribution)."""

    code = "already_voted"
    status = 409


class NoDotsLeft(DomainError):
    """Every dot of the round's budget is spent; move one instead."""

    code = "no_dots_left"
    status = 409


class ContributionHidden(DomainError):
    """A facilitator hid this contribution: no votes, no spotlight."""

    code = "contribution_hidden"
    status = 409


class OutsideVotingScope(DomainError):
    """In a round where each table votes on its own contributions, this one is another table's."""

    code = "not_in_voting_scope"
    status = 409


class CannotMerge(DomainError):
    """Merging these two is not possible (the same one, different kinds, hidden, or already merged)."""

    code = "cannot_merge"
    status = 409


# -- the follow-up register (sessions/followup/) ---------------------------------------------------


class AlreadyFollowedUp(DomainError):
    """This proposal is in the follow-up register already (each proposal at most once)."""

    code = "already_in_followup"
    status = 409


# -- the theme board (sessions/themes/) --------------------------------------------------------


class SuggestionGone(DomainError):
    """A theme suggestion was already accepted or rejected, a newer refresh replaced it, or most of its
    contributions are in themes by now (``reason``: ``accepted``, ``rejected``, ``superseded``, ``merged``, ``stale``)."""

    code = "suggestion_gone"
    status = 409


class NotAProposal(DomainError):
    """Only solution proposals (not competence needs) become follow-up items."""

    code = "not_a_proposal"
    status = 409


# -- tags (sessions/tags) ----------------------------------------------------------------------------


class UnknownTag(DomainError):
    """The tag is not in this workshop's vocabulary (unknown, removed, or another workshop's: not told apart)."""

    code = "unknown_tag"
    status = 404


class TagExists(DomainError):
    """The category has a tag with that label already (ignoring case)."""

    code = "tag_exists"
    status = 409


class TagInUse(DomainError):
    """Removing a tag that contributions carry needs a confirmation (it removes those uses too)."""

    code = "tag_in_use"
    status = 409



# -- series of workshops (sessions/series/) -------------------------------------------------------


class AlreadyInSeries(DomainError):
    """The workshop is in a series already (a workshop is in at most one); ``series`` names it."""

    code = "already_in_series"
    status = 409
