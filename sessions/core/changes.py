"""Change values that no domain result carries by itself. A domain write returns what it changed (a
contribution, a ``Moderated``, a ``Transition``, a ``BoardChange`` …) and the web layer hands that to
``facilitator.realtime.publish.publish``, the one place that decides who hears about it. These are the
changes that have no row left to return, or that change more than one row's worth of state."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanChanged:
    """The plan of rounds changed (a round added, edited, moved or removed): every screen shows the plan."""

    workshop_id: int


@dataclass(frozen=True)
class WorkshopDeleted:
    """The workshop and everything in it was deleted: every screen leaves it."""

    workshop_id: int


@dataclass(frozen=True)
class VotesChanged:
    """Dots were cast or taken back."""

    workshop_id: int
