"""The workshop plan and running it: rounds with a timer, what may be posted when, and persona rotation.

A round is *planned*, then *running* ⇄ *paused*, then *ended* (``sessions.models.Round`` owns the state
machine). The timer is a stored deadline that clients count down; the server runs no timer. "Time is
up" is derived from the clock whenever something asks: a running round whose deadline has passed is
ended from that moment, and the next write stores it (``Round.settle``).

Posting rules (:func:`posting_slot`, called by ``participation.submit_contribution``):

- Before the first round starts, an open workshop takes needs and solutions (warm-up, as without a plan);
  local cases («Hos oss») only ever in a round that opens them.
- While a round runs or is paused, it takes the kinds it opens (a voting or summary round opens none).
- A post that arrives after its round closed is kept, marked ``late``, when the phone says it was typed
  before the close (``typed_at``, in server time: clients correct their clock from ``server_now``) and
  it arrives at most :data:`GRACE` after the close. Otherwise it is refused with ``round_closed``.

Rotation (optional per workshop): when a round that opens posting starts and an earlier posting round has
run, every group moves on to the next persona (the workshop's personas in order, wrapping around), so
group *i* has persona *(i + k) mod P* in the *k*-th posting round when they started in order. Each round
start records which group had which persona (``RoundAssignment``); contributions keep the persona they
were posted for.

Every write function validates, raises a named ``DomainError`` and commits through
:func:`sessions.core.store.write_transaction`. Functions take ``now`` so tests can move the clock.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sessions.contributions.models import ContributionKind
from sessions.core.base import utcnow
from sessions.core.errors import (
    IllegalTransition,
    KindNotOpen,
    NotFound,
    RoundClosed,
    ValidationFailed,
    WorkshopNotOpen,
)
from sessions.core.store import write_transaction
from sessions.core.validation import is_id
from sessions.rounds.models import (
    LiveState,
    Round,
    RoundAssignment,
    RoundStatus,
    VoteScope,
    WallView,
)
from sessions.workshops.models import Group, Workshop, WorkshopPersona

GRACE = dt.timedelta(minutes=2)
# -- reading ---------------------------------------------------------------------------------------

EXTENSION = dt.timedelta(minutes=2)  # what +2 min adds


def plan(db: Session, workshop_id: int) -> Sequence[Round]:
    return db.scalars(_plan_statement(), {"workshop_id": workshop_id}).all()


@functools.cache
def _plan_statement() -> Any:
    """Built once, not per request (docs/performance.md, seventh round). Every dot and every watch reads the plan."""
    return select(Round).where(Round.workshop_id == bindparam("workshop_id")).order_by(Round.position, Round.id)


def live_round(rounds: Sequence[Round], now: dt.datetime) -> Round | None:
    """The round that runs or is paused (time left), if any."""
    return next((r for r in rounds if r.is_live(now)), None)


def last_closed(rounds: Sequence[Round], now: dt.datetime) -> Round | None:
    """The round that closed most recently (by its end, or its deadline when time ran out)."""
    closed = [r for r in rounds if r.effective_status(now) == RoundStatus.ended and r.closes_at is not None]
    return max(closed, key=lambda r: (r.closes_at, r.position)) if closed else None


def next_planned(rounds: Sequence[Round]) -> Round | None:
    return next((r for r in rounds if r.status == RoundStatus.planned), None)


def current_round(db: Session, workshop_id: int, now: dt.datetime | None = None) -> Round | None:
    return live_round(plan(db, workshop_id), now or utcnow())


def get_round(db: Session, ws: Workshop, round_id: object) -> Round:
    r = db.get(Round, round_id) if is_id(round_id) else None
    if r is None or r.workshop_id != ws.id:
        raise NotFound("no such round")
    return r


def live_state(db: Session, workshop_id: int) -> LiveState:
    """The workshop's live state (defaults when none is stored yet; not added to the session then)."""
    state = db.get(LiveState, workshop_id)
    if state is None:
        state = LiveState(workshop_id=workshop_id, rotation=False, wall_view=WallView.personas)
    return state


def stored_live_state(db: Session, workshop_id: int) -> LiveState:
    """Inside a write transaction: the stored live state, created on first use."""
    state = db.get(LiveState, workshop_id)
    if state is None:
        state = live_state(db, workshop_id)
        db.add(state)
        db.flush()
    return state


def history(db: Session, workshop_id: int) -> tuple[list[Round], dict[int, dict[int, int | None]]]:
    """Rounds that have started, in order, and ``{group_id: {round_id: persona_id}}``."""
    started = [r for r in plan(db, workshop_id) if r.started_at is not None]
    started.sort(key=lambda r: (r.started_at, r.id))
    table: dict[int, dict[int, int | None]] = {}
    if started:
        rows = db.execute(
            select(RoundAssignment.group_id, RoundAssignment.round_id, RoundAssignment.persona_id).where(
                RoundAssignment.round_id.in_([r.id for r in started])
            )
        )
        for group_id, round_id, persona_id in rows:
            table.setdefault(group_id, {})[round_id] = persona_id
    return started, table


# -- the plan --------------------------------------------------------------------------------------


def lock_workshop(db: Session, workshop_id: int) -> Workshop:
    """The workshop row, locked for this transaction on PostgreSQL (SQLite writers are serialized)."""
    ws = db.scalar(select(Workshop).where(Workshop.id == workshop_id).with_for_update())
    if ws is None:
        raise NotFound("no such workshop")
    return ws


# -- running it ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """What a control changed: the round, and the groups that moved to another persona (rotation)."""

    round: Round
    rotated: bool = False


def _settle_all(rounds: Sequence[Round], now: dt.datetime) -> None:
    for r in rounds:
        r.settle(now)


def start_round(db: Session, ws: Workshop, round_id: object = None, now: dt.datetime | None = None) -> Transition:
    """Start a planned round (the next one when ``round_id`` is None). Another round must not be live."""
    now = now or utcnow()
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        if not ws.is_open:
            raise WorkshopNotOpen(state=ws.status.value)
        rounds = list(plan(db, ws.id))
        _settle_all(rounds, now)
        if round_id is None:
            r = next_planned(rounds)
            if r is None:
                raise IllegalTransition("no planned round", action="start", reason="plan_finished")
        else:
            r = get_round(db, ws, round_id)
        running = live_round(rounds, now)
        if running is not None and running is not r:
            raise IllegalTransition("another round is live", state=running.status.value, action="start", reason="another_round_running")
        r.start(now)
        rotated = False
        if r.kinds and stored_live_state(db, ws.id).rotation:
            earlier_posting = any(o is not r and o.started_at is not None and o.kinds for o in rounds)
            if earlier_posting:
                rotated = _rotate(db, ws)
        groups = db.scalars(select(Group).where(Group.workshop_id == ws.id)).all()
        for g in groups:
            db.add(RoundAssignment(round_id=r.id, group_id=g.id, persona_id=g.persona_id))
    return Transition(r, rotated)


def _rotate(db: Session, ws: Workshop) -> bool:
    """Every group moves on to the next persona of the workshop (in the personas' order, wrapping)."""
    personas = db.scalars(
        select(WorkshopPersona).where(WorkshopPersona.workshop_id == ws.id).order_by(WorkshopPersona.position, WorkshopPersona.id)
    ).all()
    if len(personas) < 2:
        return False
    index = {p.id: i for i, p in enumerate(personas)}
    moved = False
    for g in db.scalars(select(Group).where(Group.workshop_id == ws.id)):
        if g.persona_id in index:
            g.persona_id = personas[(index[g.persona_id] + 1) % len(personas)].id
            moved = True
    return moved


def _control(db: Session, ws: Workshop, round_id: object, now: dt.datetime | None, action: str) -> Transition:
    now = now or utcnow()
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        if not ws.is_open:
            raise WorkshopNotOpen(state=ws.status.value)
        r = get_round(db, ws, round_id)
        if action == "pause":
            r.pause(now)
        elif action == "resume":
            r.resume(now)
        elif action == "extend":
            r.extend(now, EXTENSION)
        elif action == "end":
            r.end(now)
        else:  # pragma: no cover - the web layer names the action
            raise ValueError(action)
    return Transition(r)


def pause_round(db: Session, ws: Workshop, round_id: object, now: dt.datetime | None = None) -> Transition:
    return _control(db, ws, round_id, now, "pause")


def resume_round(db: Session, ws: Workshop, round_id: object, now: dt.datetime | None = None) -> Transition:
    return _control(db, ws, round_id, now, "resume")


def extend_round(db: Session, ws: Workshop, round_id: object, now: dt.datetime | None = None) -> Transition:
    """Two more minutes (:data:`EXTENSION`), running or paused."""
    return _control(db, ws, round_id, now, "extend")


def end_round(db: Session, ws: Workshop, round_id: object, now: dt.datetime | None = None) -> Transition:
    return _control(db, ws, round_id, now, "end")


# -- posting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostingSlot:
    """Where a new contribution belongs: its round (None before the plan starts), late or not, its persona."""

    round_id: int | None
    late: bool
    persona_id: int | None
    # A vote over every table's contributions is live: every phone sees the post (read in the same
    # transaction, so the web layer need not ask again after the commit).
    every_phone: bool = False


def parse_client_time(value: object, now: dt.datetime) -> dt.datetime | None:
    """``typed_at`` from a phone: epoch milliseconds (number) or ISO 8601 (UTC), in server time.

    A time in the future counts as now; None when absent.
    """
    if value is None or value == "":
        return None
    when: dt.datetime
    if isinstance(value, bool):
        raise ValidationFailed("typed_at", "bad_time")
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 0 < value < 32503680000000:
            raise ValidationFailed("typed_at", "bad_time")
        when = dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc).replace(tzinfo=None)
    elif isinstance(value, str) and len(value) <= 40:
        text = value.strip()
        # ASCII digits only: str.isdigit() is also true for "²", which int() refuses (a 500 found by fuzzing).
        if text.isascii() and text.isdigit():
            return parse_client_time(int(text), now)
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed("typed_at", "bad_time") from None
        when = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed
    else:
        raise ValidationFailed("typed_at", "bad_time")
    return min(when, now)


@functools.cache
def _begun_statement() -> Any:
    """The workshop's rounds that have begun. Built once, not per request (docs/performance.md, seventh round).
    Every post reads them."""
    return select(Round).where(Round.workshop_id == bindparam("workshop_id"), Round.status != RoundStatus.planned)


def posting_slot(
    db: Session, ws: Workshop, group: Group, kind: ContributionKind, typed_at: dt.datetime | None, now: dt.datetime
) -> PostingSlot:
    """Decide whether a post is accepted now (see the module docstring); raise ``RoundClosed``/``KindNotOpen``."""
    rounds = db.scalars(_begun_statement(), {"workshop_id": ws.id}).all()
    if not rounds:
        if kind == ContributionKind.local:
            # Before the plan starts the workshop takes needs and proposals; local cases need their round.
            raise KindNotOpen(kind=kind.value, round="", reason="no_local_round")
        return PostingSlot(None, False, group.persona_id)
    live = live_round(rounds, now)
    every_phone = live is not None and live.voting and live.scope == VoteScope.all
    if live is not None and live.accepts(kind.value):
        return PostingSlot(live.id, False, group.persona_id)
    last = last_closed(rounds, now)
    if (
        last is not None
        and last.closes_at is not None
        and last.accepts(kind.value)
        and typed_at is not None
        and typed_at <= last.closes_at
        and now <= last.closes_at + GRACE
    ):
        had = db.scalar(
            select(RoundAssignment.persona_id).where(RoundAssignment.round_id == last.id, RoundAssignment.group_id == group.id)
        )
        return PostingSlot(last.id, True, had if had is not None else group.persona_id, every_phone)
    if live is not None:
        raise KindNotOpen(kind=kind.value, round=live.name)
    timed_out = (
        last is not None
        and last.deadline is not None
        and (last.status == RoundStatus.running or last.ended_at == last.deadline)
    )
    raise RoundClosed(reason="time_up" if timed_out else "closed")


def editing_allowed(db: Session, workshop_id: int, now: dt.datetime | None = None) -> bool:
    """Participants may change their own posts unless a voting round is live (votes stay fair)."""
    live = current_round(db, workshop_id, now)
    return live is None or not live.voting


# -- what clients are told -------------------------------------------------------------------------


def iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.isoformat(timespec="milliseconds") + "Z"


def round_payload(r: Round | None, now: dt.datetime) -> dict[str, Any] | None:
    if r is None:
        return None
    remaining = r.remaining(now)
    status = r.effective_status(now)
    return {
        "id": r.id,
        "position": r.position,
        "name": r.name,
        "prompt": r.prompt,
        "kinds": list(r.kinds or []),
        "voting": r.voting,
        "dots": r.dots,
        "scope": r.scope.value,
        "status": status.value,
        "duration_s": r.duration_s,
        "deadline": iso(r.deadline) if status == RoundStatus.running else None,
        "remaining_ms": None if remaining is None else int(remaining.total_seconds() * 1000),
        "started_at": iso(r.started_at),
        "closes_at": iso(r.closes_at) if status == RoundStatus.ended else None,
        "timed_out": status == RoundStatus.ended
        and r.deadline is not None
        and (r.status == RoundStatus.running or r.ended_at == r.deadline),
    }


@functools.cache
def _personas_statement() -> Any:
    """Each group's persona. Built once, not per request (docs/performance.md, seventh round). Every watch and
    every round event reads it."""
    return select(Group.id, Group.persona_id).where(Group.workshop_id == bindparam("workshop_id"))


def snapshot(db: Session, ws: Workshop, now: dt.datetime | None = None, rounds: Sequence[Round] | None = None) -> dict[str, Any]:
    """The ``round`` event: the live round (or the one that closed last), the next planned one,
    which persona each group has, and the server's clock (clients correct their skew with it).
    ``rounds``: the workshop's :func:`plan`, when the caller has read it already."""
    now = now or utcnow()
    rounds = plan(db, ws.id) if rounds is None else rounds
    current = live_round(rounds, now) or last_closed(rounds, now)
    upcoming = next_planned(rounds)
    groups = db.execute(_personas_statement(), {"workshop_id": ws.id}).all()
    return {
        "workshop_id": ws.id,
        "round": round_payload(current, now),
        "next": None if upcoming is None else {"id": upcoming.id, "name": upcoming.name},
        "groups": {str(gid): pid for gid, pid in groups},
        "server_now": iso(now),
    }
