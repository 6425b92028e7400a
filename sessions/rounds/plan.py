"""The plan of rounds: what each round is (RoundSpec, parsed from forms and the API) and editing the plan."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sessions.contributions.models import ContributionKind
from sessions.core.base import utcnow
from sessions.core.errors import (
    IllegalTransition,
    ValidationFailed,
    WorkshopNotOpen,
)
from sessions.core.store import write_transaction
from sessions.core.validation import clean_text
from sessions.rounds.models import LiveState, Round, RoundStatus, VoteScope
from sessions.rounds.service import get_round, lock_workshop, plan, stored_live_state
from sessions.workshops.models import Workshop

MAX_ROUNDS = 30
MAX_ROUND_NAME = 80
MAX_PROMPT = 500
MAX_DURATION_S = 4 * 3600
MAX_DOTS = 20
KINDS = tuple(k.value for k in ContributionKind)


@dataclass(frozen=True)
class RoundSpec:
    """A round as the facilitator describes it (validated)."""

    name: str
    prompt: str
    duration_s: int
    kinds: tuple[str, ...]
    voting: bool = False
    dots: int = 5
    scope: VoteScope = VoteScope.all

    @classmethod
    def parse(
        cls,
        name: object,
        prompt: object,
        minutes: object,
        kinds: object,
        voting: object = False,
        dots: object = 5,
        scope: object = "all",
    ) -> RoundSpec:
        """``minutes`` may have decimals (0.5 is 30 seconds); 0 or empty means no timer."""
        the_name = clean_text(name, "round_name", max_len=MAX_ROUND_NAME, multiline=False)
        the_prompt = clean_text(prompt, "prompt", max_len=MAX_PROMPT, required=False)
        duration = _parse_minutes(minutes)
        if isinstance(kinds, str):
            kinds = [kinds] if kinds else []
        if not isinstance(kinds, list | tuple) or any(k not in KINDS for k in kinds):
            raise ValidationFailed("kinds", "unknown_kind")
        is_voting = _parse_bool(voting, "voting")
        the_kinds = tuple(k for k in KINDS if k in kinds)
        if is_voting and the_kinds:
            raise ValidationFailed("kinds", "voting_round_takes_no_posts")
        n_dots = _parse_int(dots, "dots", 1, MAX_DOTS)
        try:
            the_scope = VoteScope(scope)
        except ValueError:
            raise ValidationFailed("scope", "unknown_scope") from None
        return cls(the_name, the_prompt, duration, the_kinds, is_voting, n_dots, the_scope)


def _parse_minutes(value: object) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        raise ValidationFailed("duration", "not_a_number")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise ValidationFailed("duration", "not_a_number") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationFailed("duration", "not_a_number")
    seconds = round(value * 60)
    if not 0 <= seconds <= MAX_DURATION_S:
        raise ValidationFailed("duration", "out_of_range", min=0, max=MAX_DURATION_S // 60)
    return seconds


def _parse_int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValidationFailed(field, "not_a_number") from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(field, "not_a_number")
    if not low <= value <= high:
        raise ValidationFailed(field, "out_of_range", min=low, max=high)
    return value


def _parse_bool(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", "0", "false", "off"):
        return False
    if value in ("1", "true", "on"):
        return True
    raise ValidationFailed(field, "not_a_boolean")


# The plan offered to a facilitator who has none (content, in bokmål like the persona library).
DEFAULT_PLAN: tuple[RoundSpec, ...] = (
    RoundSpec(
        "Kompetansebehov",
        "Hvilken kompetanse trenger personen for å lykkes i jobben – nå og om fem år? Skriv ett behov per innspill.",
        10 * 60,
        ("need",),
    ),
    RoundSpec(
        "Løsningsforslag",
        "Hva kan kommunen, regionen eller utdanningstilbyderne gjøre for å dekke behovene? Skriv ett forslag per innspill.",
        15 * 60,
        ("solution",),
    ),
    RoundSpec(
        "Prioritering",
        "Gi prikkene dine til innspillene som er viktigst å følge opp. Du kan flytte dem til tiden er ute.",
        5 * 60,
        (),
        voting=True,
        dots=5,
        scope=VoteScope.all,
    ),
    RoundSpec("Oppsummering", "Hva tar vi med oss videre? Fasilitator oppsummerer.", 0, ()),
)


def _apply(r: Round, spec: RoundSpec) -> None:
    r.name, r.prompt, r.duration_s = spec.name, spec.prompt, spec.duration_s
    r.kinds, r.voting, r.dots, r.scope = list(spec.kinds), spec.voting, spec.dots, spec.scope


def add_round(db: Session, ws: Workshop, spec: RoundSpec) -> Round:
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        if ws.is_closed:
            raise WorkshopNotOpen(state=ws.status.value)
        count = db.scalar(select(func.count()).select_from(Round).where(Round.workshop_id == ws.id)) or 0
        if count >= MAX_ROUNDS:
            raise ValidationFailed("rounds", "too_many_rounds", max=MAX_ROUNDS)
        top = db.scalar(select(func.max(Round.position)).where(Round.workshop_id == ws.id))
        r = Round(workshop_id=ws.id, position=(top if top is not None else -1) + 1, status=RoundStatus.planned)
        _apply(r, spec)
        db.add(r)
    return r


def add_default_plan(db: Session, ws: Workshop) -> list[Round]:
    """Offer the default plan: only to a workshop that has no rounds yet."""
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        if ws.is_closed:
            raise WorkshopNotOpen(state=ws.status.value)
        if db.scalar(select(func.count()).select_from(Round).where(Round.workshop_id == ws.id)):
            raise IllegalTransition("the workshop has a plan", action="default_plan", reason="plan_not_empty")
        made = []
        for i, spec in enumerate(DEFAULT_PLAN):
            r = Round(workshop_id=ws.id, position=i, status=RoundStatus.planned)
            _apply(r, spec)
            db.add(r)
            made.append(r)
    return made


def update_round(db: Session, ws: Workshop, round_id: object, spec: RoundSpec) -> Round:
    """Change a round. Once it has started only the name, the prompt and the voting setup may change."""
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        r = get_round(db, ws, round_id)
        r.settle(utcnow())
        if r.status == RoundStatus.ended:
            raise IllegalTransition("ended", state=r.status.value, action="update_round", reason="round_ended")
        if r.status != RoundStatus.planned and (
            r.duration_s != spec.duration_s or tuple(r.kinds) != spec.kinds or r.voting != spec.voting
        ):
            raise IllegalTransition("started", state=r.status.value, action="update_round", reason="round_started")
        _apply(r, spec)
    return r


def delete_round(db: Session, ws: Workshop, round_id: object) -> None:
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        r = get_round(db, ws, round_id)
        if r.status != RoundStatus.planned:
            raise IllegalTransition("started", state=r.status.value, action="delete_round", reason="round_started")
        db.delete(r)


def move_round(db: Session, ws: Workshop, round_id: object, offset: int) -> Round:
    """Move a planned round one place up (-1) or down (+1) among the planned rounds."""
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        r = get_round(db, ws, round_id)
        rounds = list(plan(db, ws.id))
        i = rounds.index(r)
        j = i + (1 if offset > 0 else -1)
        if r.status != RoundStatus.planned or not 0 <= j < len(rounds) or rounds[j].status != RoundStatus.planned:
            raise IllegalTransition("cannot move", state=r.status.value, action="move_round", reason="round_started")
        rounds[i], rounds[j] = rounds[j], rounds[i]
        for pos, each in enumerate(rounds):
            each.position = pos
    return r


def set_rotation(db: Session, ws: Workshop, on: object) -> LiveState:
    enabled = _parse_bool(on, "rotation")
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        if ws.is_closed:
            raise WorkshopNotOpen(state=ws.status.value)
        state = stored_live_state(db, ws.id)
        state.rotation = enabled
    return state


