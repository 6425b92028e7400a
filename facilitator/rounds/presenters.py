"""What the phone, wall and dashboard templates are given, and the `live` part of a `watch` ack (so a client
that reconnects shows the right round and time); the round labels and filters the templates use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from sessions.contributions import moderation
from sessions.contributions import service as participation
from sessions.contributions.models import Participant
from sessions.core.base import utcnow
from sessions.rounds import service as rounds
from sessions.rounds import voting
from sessions.rounds.models import Round, RoundStatus
from sessions.themes import board as themes_board
from sessions.workshops.models import Workshop

# The round types a facilitator picks from: what may be posted, and whether it is a voting round.
ROUND_TYPES: dict[str, tuple[tuple[str, ...], bool]] = {
    "need": (("need",), False),
    "solution": (("solution",), False),
    "both": (("need", "solution"), False),
    # «Hos oss»: each table leaves the persona and writes its own municipality's real cases.
    "local": (("local",), False),
    "voting": ((), True),
    "none": ((), False),
}


def round_type(r: Any) -> str:
    if r.voting:
        return "voting"
    kinds = tuple(r.kinds or ())
    return next((name for name, (k, v) in ROUND_TYPES.items() if k == kinds and not v), "none")


# -- context for the templates -----------------------------------------------------------------


def _personas(ws: Workshop) -> dict[int, str]:
    return {p.id: p.name for p in ws.personas}


def phone_context(db: Session, ws: Workshop, group: Any, participant: Participant) -> dict[str, Any]:
    """What the phone page needs: the round, the participant's dots, and in a vote over every table's
    contributions, those contributions (the phone shows them by persona then)."""
    now = utcnow()
    plan = rounds.plan(db, ws.id)  # read once for the snapshot, the ballot and its scope
    live = rounds.live_round(plan, now)
    snap = rounds.snapshot(db, ws, now, plan)
    ballot = voting.ballot_in(db, participant, live).as_dict()
    ballot_all = voting.is_workshop_wide(live)
    return {
        "live": {
            "snapshot": snap,
            "state": {"round": snap, "wall": None, "votes": None, "ballot": ballot},
            "phone": {
                "group_id": group.id,
                "persona_id": group.persona_id,
                "ballot_all": ballot_all,
                "votes_url": url_for("control.vote", workshop_id=ws.id),
            },
            "ballot_all": ballot_all,
            "everything": participation.contributions(db, ws.id) if ballot_all else None,
            "group_names": {g.id: g.name for g in ws.groups},
        }
    }


def wall_context(db: Session, ws: Workshop) -> dict[str, Any]:
    state = moderation.current_wall(db, ws.id)
    counts = voting.tallies(db, state)
    snap = rounds.snapshot(db, ws)
    wall = moderation.wall_payload(state, counts)
    return {"live": {"snapshot": snap, "wall": wall, "state": {"round": snap, "wall": wall, "votes": None, "ballot": None}}}


def dashboard_context(db: Session, ws: Workshop) -> dict[str, Any]:
    now = utcnow()
    plan = rounds.plan(db, ws.id)
    state = moderation.current_wall(db, ws.id)
    counts = voting.tallies(db, state, staff=True) or {}
    snap = rounds.snapshot(db, ws, now, plan)
    wall = moderation.wall_payload(state, counts)
    votes = {str(k): v for k, v in counts.items()}
    current = rounds.live_round(plan, now)
    return {
        "live": {
            "snapshot": snap,
            "wall": wall,
            "votes": votes,
            "state": {"round": snap, "wall": wall, "votes": votes, "ballot": None},
            "plan": plan,
            "current": current,
            "next": rounds.next_planned(plan),
            "voting_round": voting.voting_round(plan, now),
            "rotation": state.rotation,
            "rounds_base": url_for("control.add_round", workshop_id=ws.id),
        }
    }


def live_for(
    db: Session,
    ws: Workshop,
    role: str,
    participant: Participant | None,
    now: dt.datetime | None = None,
    plan: Sequence[Round] | None = None,
) -> dict[str, Any]:
    """The ``live`` part of a ``watch`` ack, by role: the round and the clock for everyone; the wall's
    view for walls and facilitators; tallies for facilitators (and for a wall showing the ranking);
    the participant's own dots for a phone. ``now`` and ``plan`` (the workshop's rounds): when the caller
    has them already."""
    now = now or utcnow()
    plan = rounds.plan(db, ws.id) if plan is None else plan
    out: dict[str, Any] = {"round": rounds.snapshot(db, ws, now, plan)}
    if role in ("wall", "facilitator"):
        state = moderation.current_wall(db, ws.id)
        counts = voting.tallies(db, state, staff=role == "facilitator")
        out["wall"] = moderation.wall_payload(state, counts)
        if role == "facilitator":
            out["votes"] = {str(k): v for k, v in (counts or {}).items()}
            # The theme board as it is now (the ``themes`` event's payload), for the board and the dashboard.
            out["themes"] = themes_board.board_payload(db, ws.id)
    elif role == "participant" and participant is not None:
        out["ballot"] = voting.ballot_in(db, participant, rounds.live_round(plan, now)).as_dict()
    return out


# -- helpers -----------------------------------------------------------------------------------------


def status_label(status: str) -> str:
    return {
        RoundStatus.planned.value: _("Planned"),
        RoundStatus.running.value: _("Running"),
        RoundStatus.paused.value: _("Paused"),
        RoundStatus.ended.value: _("Ended"),
    }.get(status, status)


def countdown(ms: int | None) -> str:
    """Milliseconds left as ``m:ss`` (rounded up, like the clients' countdown)."""
    seconds = max(0, -(-(ms or 0) // 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"


def minutes(duration_s: int) -> str:
    """A duration for the plan's form field: whole minutes, or minutes with decimals."""
    value = duration_s / 60
    return str(int(value)) if value == int(value) else f"{value:g}"


