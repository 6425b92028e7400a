"""Self-declared roles and where role groups differ, without ever showing who said what.

A participant may say, when joining, what kind of role they have at work (:data:`ROLES`: leder,
mellomleder, ansatt, tillitsvalgt, HR, ekstern) or nothing ("vil ikke oppgi", stored as ``None``). The
role is stored on the participant only. It is never put next to a contribution: not in events, the API,
the dashboard, the wall or the report's lists. It is used here only, in aggregates.

:func:`role_differences` counts, per role group, participants, visible contributions by kind, and how
many of the group's contributions carry each measure tag and belong to each persona. It protects
individuals with a k-anonymity rule (``min_group``, 3 by default):
1. A role is shown as a group of its own only if it has at least ``min_group`` participants, and its
   contributions come from none or at least ``min_group`` of them (three leaders of whom only one wrote
   would otherwise show that one leader's contributions to the other two).
2. Every other participant (no role given, or a role that fails rule 1) goes into one remainder group,
   *Andre/ikke oppgitt* (:data:`OTHER`), shown under the same rule.
3. If the remainder fails rule 1 but is not empty, hiding it alone is not enough: the report also shows
   the workshop's totals, and totals minus the shown groups *is* the remainder. So the smallest shown role
   is folded into the remainder, again until the remainder passes rule 1. If no role is left to fold, the
   remainder (then everybody) is suppressed and nothing is shown (``suppressed``).

So every group shown, and the difference between the totals and the groups shown, covers at least
``min_group`` participants (and zero or at least ``min_group`` contributors). Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from sessions.contributions.models import PERSONA_KINDS, Contribution, Participant
from sessions.contributions.visible import contributions
from sessions.core.errors import ValidationFailed
from sessions.tags.models import MEASURE
from sessions.tags.service import vocabulary
from sessions.workshops.models import WorkshopPersona

# Role keys in display order. Stored on the participant; the UI names them (facilitator/tags/views.py).
ROLES: tuple[str, ...] = ("leder", "mellomleder", "ansatt", "tillitsvalgt", "hr", "ekstern")
OTHER = "other"  # the remainder group: no role given, or a role group too small to show on its own
MIN_GROUP = 3
# Bokmål names, for exports made without the web layer's translations.
ROLE_NAMES_NB: dict[str, str] = {
    "leder": "Leder",
    "mellomleder": "Mellomleder",
    "ansatt": "Ansatt",
    "tillitsvalgt": "Tillitsvalgt",
    "hr": "HR",
    "ekstern": "Ekstern",
    OTHER: "Andre/ikke oppgitt",
}


def parse_role(value: object) -> str | None:
    """A role key from a form or JSON; ``None`` for no answer ("vil ikke oppgi")."""
    if value is None or value == "" or value == "none":
        return None
    if isinstance(value, str) and value.strip().lower() in ROLES:
        return value.strip().lower()
    raise ValidationFailed("role", "unknown_role")


@dataclass
class RoleTally:
    """What one role group adds up to while :func:`role_differences` counts (participant ids, not names)."""

    participants: set[int] = field(default_factory=set)
    contributors: set[int] = field(default_factory=set)
    needs: int = 0
    solutions: int = 0
    measures: list[int] = field(default_factory=list)
    personas: list[int] = field(default_factory=list)

    def add(self, other: RoleTally) -> None:
        self.participants |= other.participants
        self.contributors |= other.contributors
        self.needs += other.needs
        self.solutions += other.solutions
        self.measures = [a + b for a, b in zip(self.measures, other.measures, strict=True)]
        self.personas = [a + b for a, b in zip(self.personas, other.personas, strict=True)]

    def empty(self) -> RoleTally:
        return RoleTally(measures=[0] * len(self.measures), personas=[0] * len(self.personas))

    def passes(self, k: int) -> bool:
        return len(self.participants) >= k and (not self.contributors or len(self.contributors) >= k)


def tally_roles(
    participants: Iterable[tuple[int, str | None]],
    visible: Iterable[Contribution],
    tally: Callable[[], RoleTally] = RoleTally,
    count: Callable[[RoleTally, Contribution], None] | None = None,
) -> tuple[dict[str, RoleTally], bool]:
    """Per role group (no role: :data:`OTHER`): its participants, and the visible contributions of theirs by
    kind (``count`` adds what else a caller tallies). Also whether anyone gave a role. Contributions of
    nobody in ``participants`` (an imported archive's) and «Hos oss» cases are left out."""
    role_of: dict[int, str] = {}
    tallies: dict[str, RoleTally] = {r: tally() for r in (*ROLES, OTHER)}
    declared = False
    for pid, role in participants:
        key = role if role in ROLES else OTHER
        declared = declared or key != OTHER
        role_of[pid] = key
        tallies[key].participants.add(pid)
    for c in visible:
        key = role_of.get(c.participant_id) if c.participant_id is not None else None
        if key is None or c.kind not in PERSONA_KINDS:
            continue  # not from a participant of this workshop (an imported archive's), or a «Hos oss» case
        t = tallies[key]
        t.contributors.add(c.participant_id)  # type: ignore[arg-type]
        if c.kind.value == "need":
            t.needs += 1
        else:
            t.solutions += 1
        if count is not None:
            count(t, c)
    return tallies, declared


def choose_groups(tallies: dict[str, RoleTally], min_group: int) -> tuple[list[str], RoleTally, bool]:
    """The k-anonymity rule of the module docstring over per-role tallies (``OTHER``: no role given).

    Returns the roles shown on their own (in :data:`ROLES` order), the remainder (a new tally), and
    whether that remainder must be suppressed. The tallies passed in are not changed.
    """
    # Rules 1 and 2: roles that cannot stand alone join the remainder.
    shown = [r for r in ROLES if r in tallies and tallies[r].participants and tallies[r].passes(min_group)]
    rest = next(iter(tallies.values())).empty()
    for r in (*ROLES, OTHER):
        if r in tallies and r not in shown:
            rest.add(tallies[r])
    # Rule 3: a remainder that cannot be shown takes in the smallest shown role until it can.
    while rest.participants and not rest.passes(min_group) and shown:
        smallest = min(reversed(shown), key=lambda r: len(tallies[r].participants))
        shown.remove(smallest)
        rest.add(tallies[smallest])
    suppressed = bool(rest.participants) and not rest.passes(min_group)
    return shown, rest, suppressed


@dataclass(frozen=True)
class RoleGroup:
    """One role group of :class:`RoleDifferences` (at least ``min_group`` participants)."""

    role: str  # a key of ROLES, or OTHER for the remainder (no role given, or folded-in small roles)
    participants: int
    needs: int  # visible contributions by the group's participants, by kind
    solutions: int
    measure_counts: tuple[int, ...]  # per measure tag of RoleDifferences.measures: the group's contributions carrying it
    persona_counts: tuple[int, ...]  # per persona of RoleDifferences.personas: the group's contributions for it

    @property
    def contributions(self) -> int:
        return self.needs + self.solutions

    @property
    def measure_shares(self) -> tuple[float, ...]:
        """Share (0–1) of the group's contributions that carry each measure tag (0 without contributions)."""
        n = self.contributions
        return tuple(c / n if n else 0.0 for c in self.measure_counts)

    @property
    def persona_shares(self) -> tuple[float, ...]:
        """Share (0–1) of the group's contributions made for each persona."""
        n = self.contributions
        return tuple(c / n if n else 0.0 for c in self.persona_counts)


@dataclass(frozen=True)
class RoleDifferences:
    """Where self-declared role groups differ: per group, counts by kind, measure tag and persona.

    ``groups`` lists the roles (in :data:`ROLES` order) that pass the k-anonymity rule, then the
    remainder :data:`OTHER` if it is not empty; see the module docstring for the rule.
    """

    min_group: int
    measures: tuple[str, ...]  # measure tag labels (columns of measure_counts), vocabulary order
    personas: tuple[str, ...]  # persona names (columns of persona_counts), workshop order
    groups: tuple[RoleGroup, ...]
    declared: bool  # at least one participant gave a role
    suppressed: bool  # a remainder (then: everybody) was too small to show, so nothing is shown

    @property
    def measure_totals(self) -> tuple[int, ...]:
        """Per measure tag: the shown groups' contributions carrying it (0: no row needed)."""
        return tuple(sum(g.measure_counts[i] for g in self.groups) for i in range(len(self.measures)))

    @property
    def comparable(self) -> bool:
        """At least one role is shown as a group of its own (there is something to compare)."""
        return any(g.role != OTHER for g in self.groups)


def role_differences(db: Session, workshop_id: int, min_group: int = MIN_GROUP) -> RoleDifferences:
    """Role groups of the workshop and their visible contributions, with no group smaller than ``min_group``."""

    measures = [t for t in vocabulary(db, workshop_id) if t.category == MEASURE]
    col = {t.id: i for i, t in enumerate(measures)}
    personas = db.scalars(
        select(WorkshopPersona).where(WorkshopPersona.workshop_id == workshop_id).order_by(WorkshopPersona.position, WorkshopPersona.id)
    ).all()
    pcol = {p.id: i for i, p in enumerate(personas)}

    def tally() -> RoleTally:
        return RoleTally(measures=[0] * len(measures), personas=[0] * len(personas))

    def count(t: RoleTally, c: Contribution) -> None:
        for i in sorted({col[link.tag_id] for link in c.tag_links if link.tag_id in col}):
            t.measures[i] += 1
        if c.persona_id in pcol:
            t.personas[pcol[c.persona_id]] += 1

    people = db.execute(select(Participant.id, Participant.role).where(Participant.workshop_id == workshop_id)).all()
    tallies, declared = tally_roles(people, contributions(db, workshop_id), tally, count)

    shown, rest, suppressed = choose_groups(tallies, min_group)

    def group(role: str, t: RoleTally) -> RoleGroup:
        return RoleGroup(role, len(t.participants), t.needs, t.solutions, tuple(t.measures), tuple(t.personas))

    groups = [group(r, tallies[r]) for r in shown]
    if rest.participants and not suppressed:
        groups.append(group(OTHER, rest))
    return RoleDifferences(
        min_group=min_group,
        measures=tuple(t.label for t in measures),
        personas=tuple(p.name for p in personas),
        groups=tuple(groups),
        declared=declared,
        suppressed=suppressed,
    )
