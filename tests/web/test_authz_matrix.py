"""Authorization matrix: every route in ``app.url_map`` has an entry here, and every non-public route
refuses the actors who have no right to it.

Two workshops: A (owned by facilitator F_A) and B (owned by F_B). Every placeholder of a route is
filled from A (its id, a group, a persona, a contribution, a round, a share link, its tokens). Each
non-public route is then requested by the actors who must be refused:

* facilitator routes (must be a facilitator *of that workshop*): anonymous, a participant of A
  (cookie and bearer token), F_B (cookie and API token);
* participant routes (must be a participant *of that workshop*): anonymous, a participant of B
  (cookie and bearer), F_B (cookie and API token);
* routes for any signed-in facilitator: anonymous and a participant of A;
* template-owner routes (change or delete F_A's template): anonymous, a participant of A, F_B;
* token-link routes (wall, report share link): a made-up token, A's token of the *other* kind,
  and a revoked share link.

A refusal is 302 to /login (or to /join for the phone pages), 401, 403 or 404 (410 for a revoked
share link) -- never 2xx and never 500 -- and no table changes by a single row. Browser writes carry
a valid CSRF token, so CSRF is not what refuses them.

Positive controls: the rightful actor of every workshop-scoped route gets an answer that is not
401/403/404/5xx (so the matrix cannot pass because a placeholder is wrong), and one write per class
is shown to change the database (so the "unchanged" check can see a change).

Socket.IO: for every event in ``facilitator.realtime.CLIENT_EVENTS`` a participant of B, F_B and a
wall/report link of B get ``ok: false`` for workshop A and receive nothing of A's afterwards.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from helpers import (
    bearer,
    client_id,
    csrf_token,
    join_participant,
    login,
    make_user,
    make_workshop,
    post_form,
    post_json,
)
from sqlalchemy import select

from sessions.accounts.service import issue_api_token
from sessions.contributions import service as participation
from sessions.followup import service as followup_svc
from sessions.models import Base
from sessions.report import service as report_svc
from sessions.rounds import plan as rounds_plan
from sessions.series import service as series_svc
from sessions.tags import service as tags
from sessions.themes import models as themes_models
from sessions.themes import service as themeboard
from sessions.themes import suggestions as themes_suggestions
from sessions.workshop_templates import service as templates_svc

# -- the matrix --------------------------------------------------------------------------------

PUBLIC = "public"  # anyone
SIGNED_IN = "signed-in"  # any facilitator account, not tied to a workshop
FACILITATOR = "facilitator"  # a facilitator of the workshop in the URL
PARTICIPANT = "participant"  # a participant of the workshop in the URL
FAC_OR_PART = "facilitator-or-participant"  # either of the two above
WALL_TOKEN = "wall-token"  # the workshop's wall link
SHARE_TOKEN = "share-token"  # a report share link
SERIES_OWNER = "series-owner"  # the facilitator who made the series in the URL (docs/privacy.md, "Series")
TEMPLATE_OWNER = "template-owner"  # the facilitator who made the template in the URL (F_A)

# Keyed by the rule (one endpoint may have several rules: control.start_round); a dict when the
# class depends on the method.
MATRIX: dict[str, str | dict[str, str]] = {
    # pages / static
    "/": PUBLIC,
    "/personvern": PUBLIC,
    "/tilgjengelighet": PUBLIC,
    "/accessibility": PUBLIC,
    "/favicon.ico": PUBLIC,
    "/healthz": PUBLIC,
    "/static/<path:filename>": PUBLIC,
    # auth
    "/login": PUBLIC,
    "/logout": SIGNED_IN,
    # participant (phones)
    "/join": PUBLIC,
    "/j/<code>": PUBLIC,
    "/w/sw.js": PUBLIC,  # the phone pages' service worker (a static file)
    "/w/<int:workshop_id>": PARTICIPANT,
    "/w/<int:workshop_id>/group": PARTICIPANT,
    "/w/<int:workshop_id>/g/<int:group_id>": PARTICIPANT,
    "/w/<int:workshop_id>/contributions": PARTICIPANT,
    "/w/<int:workshop_id>/contributions/<int:contribution_id>/edit": PARTICIPANT,
    "/w/<int:workshop_id>/contributions/<int:contribution_id>/delete": PARTICIPANT,
    "/w/<int:workshop_id>/votes": PARTICIPANT,
    # wall
    "/wall/<token>": WALL_TOKEN,
    "/wall/<token>/qr.svg": WALL_TOKEN,
    # admin
    "/workshops": SIGNED_IN,
    "/workshops/new": SIGNED_IN,
    "/workshops/<int:workshop_id>": FACILITATOR,
    "/workshops/<int:workshop_id>/details": FACILITATOR,
    "/workshops/<int:workshop_id>/personas": FACILITATOR,
    "/workshops/<int:workshop_id>/personas/new": FACILITATOR,
    "/workshops/<int:workshop_id>/personas/<int:persona_id>/delete": FACILITATOR,
    "/workshops/<int:workshop_id>/groups": FACILITATOR,
    "/workshops/<int:workshop_id>/groups/<int:group_id>": FACILITATOR,
    "/workshops/<int:workshop_id>/groups/<int:group_id>/delete": FACILITATOR,
    "/workshops/<int:workshop_id>/open": FACILITATOR,
    "/workshops/<int:workshop_id>/close": FACILITATOR,
    "/workshops/<int:workshop_id>/live": FACILITATOR,
    "/workshops/<int:workshop_id>/qr.svg": FACILITATOR,
    # control
    "/workshops/<int:workshop_id>/plan": FACILITATOR,
    "/workshops/<int:workshop_id>/rounds": FACILITATOR,
    "/workshops/<int:workshop_id>/rounds/default": FACILITATOR,
    "/workshops/<int:workshop_id>/rounds/<int:round_id>": FACILITATOR,
    "/workshops/<int:workshop_id>/rounds/<int:round_id>/delete": FACILITATOR,
    "/workshops/<int:workshop_id>/rounds/<int:round_id>/move": FACILITATOR,
    "/workshops/<int:workshop_id>/rotation": FACILITATOR,
    "/workshops/<int:workshop_id>/rounds/start": FACILITATOR,
    "/workshops/<int:workshop_id>/rounds/<int:round_id>/start": FACILITATOR,
    "/workshops/<int:workshop_id>/rounds/<int:round_id>/<any(pause, resume, extend, end):action>": FACILITATOR,
    "/workshops/<int:workshop_id>/contributions/<int:contribution_id>/<any(hide, unhide, edit, merge, unmerge):action>": FACILITATOR,
    "/workshops/<int:workshop_id>/spotlight": FACILITATOR,
    "/workshops/<int:workshop_id>/wall": FACILITATOR,
    # report
    "/workshops/<int:workshop_id>/report": FACILITATOR,
    "/workshops/<int:workshop_id>/report/fragment": FACILITATOR,
    "/workshops/<int:workshop_id>/report.<any(docx, pdf, md, csv, xlsx, json):fmt>": FACILITATOR,
    "/workshops/<int:workshop_id>/report/edit": FACILITATOR,
    "/workshops/<int:workshop_id>/report/texts": FACILITATOR,
    "/workshops/<int:workshop_id>/report/links": FACILITATOR,
    "/workshops/<int:workshop_id>/report/links/<int:link_id>/revoke": FACILITATOR,
    "/r/<token>": SHARE_TOKEN,
    "/r/<token>/fragment": SHARE_TOKEN,
    "/r/<token>/report.<any(docx, pdf, md, csv, xlsx):fmt>": SHARE_TOKEN,
    # follow-up register (facilitator/followup.py)
    "/workshops/<int:workshop_id>/followups": FACILITATOR,
    "/workshops/<int:workshop_id>/followups/from-proposal": FACILITATOR,
    "/workshops/<int:workshop_id>/followups/from-local-cases": FACILITATOR,
    "/workshops/<int:workshop_id>/followups/<int:followup_id>": FACILITATOR,
    "/workshops/<int:workshop_id>/followups/<int:followup_id>/delete": FACILITATOR,
    "/workshops/<int:workshop_id>/followups/report": FACILITATOR,
    "/workshops/<int:workshop_id>/followups.<any(docx, pdf, md, csv, xlsx):fmt>": FACILITATOR,
    "/r/<token>/followups": SHARE_TOKEN,
    "/r/<token>/followups.<any(docx, pdf, md, csv, xlsx):fmt>": SHARE_TOKEN,
    "/api/v1/workshops/<int:workshop_id>/followups": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/followups/<int:followup_id>": FACILITATOR,
    "/workshops/<int:workshop_id>/followups/review": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/followups/review": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/followups/<int:followup_id>/history": FACILITATOR,
    # privacy (facilitator/privacy.py)
    "/workshops/<int:workshop_id>/privacy": FACILITATOR,
    "/workshops/<int:workshop_id>/privacy/retention": FACILITATOR,
    "/workshops/<int:workshop_id>/privacy/participant": FACILITATOR,
    "/workshops/<int:workshop_id>/delete": FACILITATOR,
    "/w/<int:workshop_id>/personvern": PARTICIPANT,
    "/w/<int:workshop_id>/forget": PARTICIPANT,
    # theme board (facilitator/themeboard.py)
    "/workshops/<int:workshop_id>/themes": FACILITATOR,
    "/workshops/<int:workshop_id>/themes/<int:theme_id>": FACILITATOR,
    "/workshops/<int:workshop_id>/themes/<int:theme_id>/delete": FACILITATOR,
    "/workshops/<int:workshop_id>/themes/<int:theme_id>/move": FACILITATOR,
    "/workshops/<int:workshop_id>/themes/assign": FACILITATOR,
    "/workshops/<int:workshop_id>/themes/suggestions": FACILITATOR,
    "/workshops/<int:workshop_id>/themes/suggestions/<int:suggestion_id>/<any(accept, split, merge, add, reject):action>": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/themes": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/themes/<int:theme_id>": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/contributions/<int:contribution_id>/theme": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/themes/suggestions/<int:suggestion_id>/merge": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/themes/suggestions/<int:suggestion_id>/add": FACILITATOR,
    # tags (facilitator/tagging.py)
    "/workshops/<int:workshop_id>/tags": FACILITATOR,
    "/workshops/<int:workshop_id>/tags/<int:tag_id>": FACILITATOR,
    "/workshops/<int:workshop_id>/tags/<int:tag_id>/move": FACILITATOR,
    "/workshops/<int:workshop_id>/tags/<int:tag_id>/delete": FACILITATOR,
    "/workshops/<int:workshop_id>/contributions/<int:contribution_id>/tags": FACILITATOR,
    "/w/<int:workshop_id>/contributions/<int:contribution_id>/tags": PARTICIPANT,
    "/api/v1/workshops/<int:workshop_id>/tags": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/tags/<int:tag_id>": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/contributions/<int:contribution_id>/tags": FAC_OR_PART,
    # workshop templates (facilitator/workshop_templates/): every facilitator uses them, the owner changes them
    "/maler": SIGNED_IN,
    "/maler/import": SIGNED_IN,
    "/maler/<int:template_id>": {"GET": SIGNED_IN, "POST": TEMPLATE_OWNER},
    "/maler/<int:template_id>/ny": SIGNED_IN,
    "/maler/<int:template_id>/copy": SIGNED_IN,
    "/maler/<int:template_id>/fil": SIGNED_IN,
    "/maler/<int:template_id>/replace": TEMPLATE_OWNER,
    "/maler/<int:template_id>/delete": TEMPLATE_OWNER,
    "/workshops/<int:workshop_id>/template": FACILITATOR,
    "/api/v1/templates": SIGNED_IN,
    "/api/v1/templates/import": SIGNED_IN,
    "/api/v1/templates/<int:template_id>": {"GET": SIGNED_IN, "PATCH": TEMPLATE_OWNER, "DELETE": TEMPLATE_OWNER},
    "/api/v1/templates/<int:template_id>/file": SIGNED_IN,
    "/api/v1/templates/<int:template_id>/replace": TEMPLATE_OWNER,
    "/api/v1/templates/<int:template_id>/workshops": SIGNED_IN,
    "/api/v1/workshops/<int:workshop_id>/template": FACILITATOR,
    # API
    "/api/v1/openapi.json": PUBLIC,
    "/api/v1/join": PUBLIC,
    "/api/v1/personas": SIGNED_IN,
    "/api/v1/workshops": SIGNED_IN,
    "/api/v1/workshops/<int:workshop_id>": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/open": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/close": FACILITATOR,
    "/api/v1/workshops/<int:workshop_id>/group": PARTICIPANT,
    "/api/v1/workshops/<int:workshop_id>/contributions": {
        "GET": FAC_OR_PART,
        "POST": PARTICIPANT,
    },
    "/api/v1/workshops/<int:workshop_id>/contributions/<int:contribution_id>": PARTICIPANT,
    # series of workshops (facilitator/series/): only the series' owner; the workshop panel needs both
    "/serier": SIGNED_IN,
    "/serier/<int:series_id>": SERIES_OWNER,
    "/serier/<int:series_id>/delete": SERIES_OWNER,
    "/serier/<int:series_id>/workshops": SERIES_OWNER,
    "/serier/<int:series_id>/workshops/<int:workshop_id>/remove": SERIES_OWNER,
    "/serier/<int:series_id>/rapport": SERIES_OWNER,
    "/serier/<int:series_id>/rapport.<any(docx, pdf, xlsx):fmt>": SERIES_OWNER,
    "/serier/<int:series_id>/gjennomgang": SERIES_OWNER,
    "/workshops/<int:workshop_id>/series": FACILITATOR,
    "/api/v1/series": SIGNED_IN,
    "/api/v1/series/<int:series_id>": SERIES_OWNER,
    "/api/v1/series/<int:series_id>/workshops": SERIES_OWNER,
    "/api/v1/series/<int:series_id>/workshops/<int:workshop_id>": SERIES_OWNER,
    "/api/v1/series/<int:series_id>/report": SERIES_OWNER,
    "/api/v1/series/<int:series_id>/report.<any(docx, pdf, xlsx):fmt>": SERIES_OWNER,
    "/api/v1/series/<int:series_id>/followups/review": SERIES_OWNER,
}

# Heavy export formats run in a worker process; they are only requested where they will be refused.
HEAVY = {"docx", "pdf", "xlsx"}
# Writes that destroy what later requests need: the rightful actor runs them last, in this order.
LAST = ("delete", "revoke", "close")

OK_REDIRECTS = ("/login", "/join")


def cls_of(rule: Any, method: str) -> str | None:
    entry = MATRIX.get(rule.rule)
    return entry.get(method) if isinstance(entry, dict) else entry


def _rules(app: Any) -> list[Any]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def _methods(rule: Any) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _options(rule: Any, name: str) -> list[str]:
    """The choices of an ``any(...)`` converter in the rule."""
    m = re.search(r"<any\(([^)]*)\):" + name + ">", rule.rule)
    return [s.strip() for s in m.group(1).split(",")] if m else []


# -- the world ------------------------------------------------------------------------------


def snapshot(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fresh session."""
    session = app.extensions["pv_sessionmaker"]()
    try:
        return {
            t.name: sorted(
                (tuple(r) for r in session.execute(select(t)).all()), key=repr
            )
            for t in Base.metadata.sorted_tables
        }
    finally:
        session.close()


class World:
    """Workshops A and B with facilitators, participants (browser cookie and token), contributions,
    rounds and share links; the clients of every actor."""

    def __init__(self, app: Any, app_db: Any, library: dict[str, Any]) -> None:
        self.app = app
        self.f_a = make_user(app_db, "f.a@kommune.no")
        self.f_b = make_user(app_db, "f.b@kommune.no")
        self.a = make_workshop(app_db, self.f_a, library, n_groups=3)
        self.b = make_workshop(
            app_db, self.f_b, library, n_groups=3, title="Annen samling"
        )
        self.f_a_token = issue_api_token(app_db, self.f_a)
        self.f_b_token = issue_api_token(app_db, self.f_b)
        a_groups = self.a.groups
        self.group_a = a_groups[0]
        self.group_a2 = a_groups[1]
        self.persona_a = a_groups[0].persona
        self.group_b = self.b.groups[0]

        # Participants by token (API) and their contributions.
        self.part_a, self.part_a_token = join_participant(
            app_db, self.a, self.group_a, "Per A"
        )
        self.part_b, self.part_b_token = join_participant(
            app_db, self.b, self.group_b, "Pia B"
        )
        self.contrib_a, _ = participation.submit_contribution(
            app_db,
            self.part_a,
            self.group_a.id,
            "need",
            "Et behov som er langt nok til å telle.",
            client_id(),
        )
        self.contrib_a2, _ = participation.submit_contribution(
            app_db,
            self.part_a,
            self.group_a.id,
            "solution",
            "En løsning som er langt nok til å telle.",
            client_id(),
        )
        self.contrib_b, _ = participation.submit_contribution(
            app_db,
            self.part_b,
            self.group_b.id,
            "need",
            "Et behov i workshop B, langt nok til å telle.",
            client_id(),
        )
        spec = rounds_plan.RoundSpec.parse("Behov", "", "5", ["need"])
        self.round_a = rounds_plan.add_round(app_db, self.a, spec)
        self.round_a2 = rounds_plan.add_round(
            app_db, self.a, rounds_plan.RoundSpec.parse("Løsninger", "", "5", ["solution"])
        )
        self.round_b = rounds_plan.add_round(app_db, self.b, spec)
        self.link_a, self.share_a = report_svc.create_share_link(
            app_db, self.a, self.f_a, "Ledergruppen"
        )
        self.revoked_a, self.revoked_share_a = report_svc.create_share_link(
            app_db, self.a, self.f_a, "Gammel"
        )
        report_svc.revoke_share_link(app_db, self.a, self.revoked_a.id)
        self.link_b, self.share_b = report_svc.create_share_link(
            app_db, self.b, self.f_b, "B"
        )
        # Follow-up items (sessions/followup.py): one made from A's proposal, one of B's own.
        self.followup_a = followup_svc.add_from_contribution(app_db, self.a, self.contrib_a2.id)
        self.followup_b = followup_svc.add_item(app_db, self.b, {"text": "Oppfølging i workshop B"})
        # The theme board (sessions/themeboard.py): themes and a pending suggestion in A and B. The board
        # page and the API each get a theme of their own in A, because both delete theirs (last).
        self.theme_a = themeboard.create_theme(app_db, self.a, "Tema A", [self.contrib_a.id]).theme
        self.api_theme_a = themeboard.create_theme(app_db, self.a, "API-tema A").theme
        self.theme_b = themeboard.create_theme(app_db, self.b, "Tema B", [self.contrib_b.id]).theme
        self.suggestion_a = self._suggestion(app_db, self.a, [self.contrib_a.id, self.contrib_a2.id])
        self.suggestion_b = self._suggestion(app_db, self.b, [self.contrib_b.id])
        # Series of F_A's (sessions/series/): one holding A for the pages, one holding another workshop of
        # F_A's for the API (both delete theirs, and take their workshop out); F_B owns one too.
        self.series_a = series_svc.create_series(app_db, self.f_a, series_svc.SeriesDetails("Kompetanseløftet 2027", ""))
        series_svc.add_workshop(app_db, self.series_a, self.a.id)
        self.a2_id = make_workshop(app_db, self.f_a, library, n_groups=1, title="Romsdal").id
        self.api_series_a = series_svc.create_series(app_db, self.f_a, series_svc.SeriesDetails("API-serie", ""))
        series_svc.add_workshop(app_db, self.api_series_a, self.a2_id)
        self.series_b = series_svc.create_series(app_db, self.f_b, series_svc.SeriesDetails("Annen serie", ""))
        # Tags (sessions/tags.py): the vocabulary page and the API each get a tag of A (both delete theirs).
        vocab_a, vocab_b = tags.vocabulary(app_db, self.a.id), tags.vocabulary(app_db, self.b.id)
        self.tag_a, self.api_tag_a, self.tag_b = vocab_a[0].id, vocab_a[1].id, vocab_b[0].id
        # A template of F_A (sessions/workshop_templates/): the pages and the API each delete one (last).
        self.template_a = templates_svc.save_from_workshop(app_db, self.f_a, self.a, "Mal A")
        self.api_template_a = templates_svc.save_from_workshop(app_db, self.f_a, self.a, "API-mal A")
        self.unused_key = next(
            k for k in sorted(library) if k not in {p.key for p in self.a.personas}
        )
        # Plain values (the ORM objects expire on commit elsewhere).
        self.a_id, self.b_id = self.a.id, self.b.id
        self.a_wall, self.b_wall = self.a.wall_token, self.b.wall_token
        self.a_code, self.b_code = self.a.join_code, self.b.join_code

        # Browsers.
        self.anon = app.test_client()
        self.fa_browser = app.test_client()
        assert login(self.fa_browser, "f.a@kommune.no").status_code == 302
        self.fb_browser = app.test_client()
        assert login(self.fb_browser, "f.b@kommune.no").status_code == 302
        self.phone_a = self._phone(self.a_code, self.a_id, self.group_a.id)
        self.phone_b = self._phone(self.b_code, self.b_id, self.group_b.id)
        # The cookie participant of A owns a contribution too (the phone's own edit/delete targets).
        resp = post_json(
            self.phone_a,
            f"/w/{self.a_id}/contributions",
            {
                "group_id": self.group_a.id,
                "kind": "need",
                "text": "Fra telefonen, et behov som er langt nok.",
                "client_id": client_id(),
            },
        )
        assert resp.status_code == 201, resp.get_data(as_text=True)
        self.phone_contrib_a = resp.get_json()["contribution"]["id"]
        self.reset_limits()

    def _phone(self, code: str, ws_id: int, group_id: int) -> Any:
        c = self.app.test_client()
        assert post_form(c, "/join", {"code": code}).status_code == 302
        assert (
            post_form(c, f"/w/{ws_id}/group", {"group_id": str(group_id)}).status_code
            == 302
        )
        return c

    @staticmethod
    def _suggestion(app_db: Any, ws: Any, member_ids: list[int]) -> Any:
        from sessions.themes.suggest import ThemeSuggestion

        themes_suggestions.replace_suggestions(app_db, ws, [ThemeSuggestion(tuple(member_ids), (), "forslag", (), 0.0)])
        return app_db.scalar(select(themes_models.SuggestedTheme).where(themes_models.SuggestedTheme.workshop_id == ws.id))

    def reset_limits(self) -> None:
        from facilitator import ratelimit

        with self.app.app_context():
            ratelimit.reset()

    # -- filling a rule ------------------------------------------------------------------------

    def values(
        self, rule: Any, *, token: str | None = None, contribution_id: int | None = None
    ) -> dict[str, Any]:
        """Placeholder values for ``rule``, all from workshop A."""
        out: dict[str, Any] = {}
        for arg in rule.arguments:
            out[arg] = {
                "workshop_id": self.a2_id if rule.rule.startswith("/api/v1/series/") else self.a_id,
                "group_id": self.group_a.id,
                "persona_id": self.persona_a.id,
                "contribution_id": contribution_id or self.contrib_a.id,
                "round_id": self.round_a.id,
                "link_id": self.link_a.id,
                "followup_id": self.followup_a.id,
                "theme_id": (self.api_theme_a if rule.rule.startswith("/api/") else self.theme_a).id,
                "suggestion_id": self.suggestion_a.id,
                "series_id": (self.api_series_a if rule.rule.startswith("/api/") else self.series_a).id,
                "template_id": (self.api_template_a if rule.rule.startswith("/api/") else self.template_a).id,
                "tag_id": self.api_tag_a if rule.rule.startswith("/api/") else self.tag_a,
                "code": self.a_code,
                "filename": "favicon.svg",
                "token": token
                or (self.a_wall if rule.rule.startswith("/wall/") else self.share_a),
                "action": None,
                "fmt": None,
            }[arg]
        return out

    def body(self) -> dict[str, Any]:
        """A body that would be accepted by the write routes (so a refusal is about who asks)."""
        return {
            "title": "Ny tittel",
            "date": "2026-03-12",
            "place": "Molde",
            "intro": "",
            "name": "Nytt navn",
            "persona_id": self.persona_a.id,
            "persona_key": self.unused_key,
            "group_id": self.group_a.id,
            "kind": "need",
            "text": "Endret tekst som er lang nok til å bli godtatt her.",
            "client_id": client_id(),
            "type": "need",
            "minutes": "5",
            "prompt": "",
            "direction": "down",
            "rotation": "1",
            "contribution_id": self.contrib_a.id,
            "into": self.contrib_a2.id,
            "view": "ranking",
            "dot": "1",
            "label": "Ny lenke",
            "expires_on": "",
            "organisers": "Kommunen",
            "summary": "Et sammendrag.",
            "method_note": "",
            "invite_note": "",
            "code": self.a_code,
            "display_name": "Ny",
            "group_count": "2",
            "personas": self.unused_key,
            "category": "measure",
            "tag_id": self.tag_a,
            "tag_ids": [self.tag_a],
            "on": "1",
            "workshop_id": self.a_id,
        }


def expand(rule: Any, base: dict[str, Any], *, light_only: bool = False) -> list[str]:
    """Every URL for the rule (one per choice of each ``any`` converter)."""
    from flask import url_for

    urls: list[str] = []
    actions = _options(rule, "action") or [None]
    fmts = _options(rule, "fmt") or [None]
    for action in actions:
        for fmt in fmts:
            if light_only and fmt in HEAVY:
                continue
            vals = dict(base)
            if action is not None:
                vals["action"] = action
            if fmt is not None:
                vals["fmt"] = fmt
            urls.append(url_for(rule.endpoint, **vals))
    return urls


def send(
    w: World,
    client: Any,
    method: str,
    url: str,
    *,
    api_bearer: str | None = None,
    as_json: bool = False,
) -> Any:
    """One request as a browser (form + CSRF token) or an API client (JSON + bearer)."""
    w.reset_limits()
    headers: dict[str, str] = {}
    if api_bearer is not None:
        headers.update(bearer(api_bearer))
    if method == "GET":
        return client.get(url, headers=headers)
    body = w.body()
    if url.startswith("/api/"):
        return client.open(url, method=method, json=body, headers=headers)
    token = csrf_token(client)
    headers["X-CSRFToken"] = token
    if as_json:
        headers["Accept"] = "application/json"
        return client.open(url, method=method, json=body, headers=headers)
    form = {k: str(v) for k, v in body.items()}
    form["csrf_token"] = token
    return client.open(url, method=method, data=form, headers=headers)


def refused(resp: Any, *, gone_ok: bool = False) -> bool:
    if resp.status_code in (401, 403, 404) or (gone_ok and resp.status_code == 410):
        return True
    if resp.status_code == 302:
        loc = resp.headers.get("Location", "")
        path = re.sub(r"^https?://[^/]+", "", loc)
        return any(path == p or path.startswith(p + "?") for p in OK_REDIRECTS)
    return False


def actors_for(w: World, cls: str, path: str) -> list[tuple[str, Any, str | None]]:
    """(label, client, bearer token) of everyone who must be refused for this class of route."""
    api = path.startswith("/api/")
    if cls in (FACILITATOR, SERIES_OWNER):
        out = [
            ("anonymous", w.anon, None),
            ("participant of A (cookie)", w.phone_a, None),
            ("F_B (cookie)", w.fb_browser, None),
        ]
        out += [
            ("participant of A (bearer)", w.anon, w.part_a_token),
            ("F_B (API token)", w.anon, w.f_b_token),
        ]
    elif cls == PARTICIPANT:
        out = [
            ("anonymous", w.anon, None),
            ("participant of B (cookie)", w.phone_b, None),
            ("F_B (cookie)", w.fb_browser, None),
        ]
        out += [
            ("participant of B (bearer)", w.anon, w.part_b_token),
            ("F_B (API token)", w.anon, w.f_b_token),
        ]
        # The workshop's own facilitator is no participant of it.
        out += [("F_A (cookie)", w.fa_browser, None)] + (
            [("F_A (API token)", w.anon, w.f_a_token)] if api else []
        )
    elif cls == FAC_OR_PART:
        out = [
            ("anonymous", w.anon, None),
            ("participant of B (bearer)", w.anon, w.part_b_token),
            ("F_B (API token)", w.anon, w.f_b_token),
        ]
    elif cls == SIGNED_IN:
        out = [
            ("anonymous", w.anon, None),
            ("participant of A (cookie)", w.phone_a, None),
        ]
        out += [("participant of A (bearer)", w.anon, w.part_a_token)]
    elif cls == TEMPLATE_OWNER:
        out = [
            ("anonymous", w.anon, None),
            ("participant of A (cookie)", w.phone_a, None),
            ("F_B (cookie)", w.fb_browser, None),
            ("participant of A (bearer)", w.anon, w.part_a_token),
            ("F_B (API token)", w.anon, w.f_b_token),
        ]
    else:
        raise AssertionError(cls)
    return out


@pytest.fixture
def world(app: Any, app_db: Any, library: dict[str, Any]) -> World:
    return World(app, app_db, library)


# -- every route is in the matrix ------------------------------------------------------------


def test_every_route_has_a_matrix_entry(app: Any) -> None:
    rules = {r.rule for r in app.url_map.iter_rules()}
    missing = sorted(rules - set(MATRIX))
    stale = sorted(set(MATRIX) - rules)
    assert not missing, f"routes without an authorization-matrix entry: {missing}"
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


# -- refusals --------------------------------------------------------------------------------


def test_wrong_actors_are_refused_and_change_nothing(app: Any, world: World) -> None:
    w = world
    problems: list[str] = []
    before = snapshot(app)
    checked = 0
    with app.test_request_context():
        plan = [
            (r, m)
            for r in _rules(app)
            for m in _methods(r)
            if cls_of(r, m) in (FACILITATOR, PARTICIPANT, FAC_OR_PART, SIGNED_IN, SERIES_OWNER, TEMPLATE_OWNER)
        ]
        jobs = [(r, m, url) for r, m in plan for url in expand(r, w.values(r))]
    for rule, method, url in jobs:
        cls = cls_of(rule, method)
        assert cls is not None
        for label, client, tok in actors_for(w, cls, rule.rule):
            variants = (
                [False, True]
                if method != "GET" and not url.startswith("/api/")
                else [False]
            )
            for as_json in variants:
                resp = send(w, client, method, url, api_bearer=tok, as_json=as_json)
                checked += 1
                what = f"{method} {url} ({rule.endpoint}, {cls}) as {label}{' [json]' if as_json else ''}"
                if not refused(resp):
                    problems.append(
                        f"{what}: {resp.status_code} {resp.headers.get('Location', '')} {resp.get_data()[:120]!r}"
                    )
                if method != "GET":
                    after = snapshot(app)
                    if after != before:
                        changed = sorted(t for t in after if after[t] != before[t])
                        problems.append(f"{what}: changed tables {changed}")
                        before = after
    assert checked > 300, checked
    assert not problems, "authorization failures:\n" + "\n".join(problems)


def test_token_links_refuse_wrong_tokens(app: Any, world: World) -> None:
    w = world
    problems: list[str] = []
    before = snapshot(app)
    bogus = "x" * 43
    with app.test_request_context():
        jobs = []
        for rule in _rules(app):
            cls = cls_of(rule, "GET")
            if cls == WALL_TOKEN:
                # A made-up token, A's share-link token, A's join code.
                for tok in (bogus, w.share_a, w.a_code):
                    jobs += [
                        (rule, url, False)
                        for url in expand(rule, w.values(rule, token=tok))
                    ]
            elif cls == SHARE_TOKEN:
                for tok in (bogus, w.a_wall, w.a_code, w.part_a_token, w.f_a_token):
                    jobs += [
                        (rule, url, False)
                        for url in expand(rule, w.values(rule, token=tok))
                    ]
                jobs += [
                    (rule, url, True)
                    for url in expand(rule, w.values(rule, token=w.revoked_share_a))
                ]
    assert jobs
    for rule, url, gone_ok in jobs:
        for label, client in (
            ("anonymous", w.anon),
            ("F_A (cookie)", w.fa_browser),
            ("participant of A (cookie)", w.phone_a),
        ):
            resp = send(w, client, "GET", url)
            if not refused(resp, gone_ok=gone_ok) or (resp.status_code == 302):
                problems.append(
                    f"GET {url} ({rule.endpoint}) as {label}: {resp.status_code}"
                )
    assert snapshot(app) == before
    assert not problems, "token links opened with a wrong token:\n" + "\n".join(
        problems
    )


def test_the_json_archive_is_not_offered_through_a_share_link(
    app: Any, world: World
) -> None:
    resp = world.anon.get(f"/r/{world.share_a}/report.json")
    assert resp.status_code == 404


# -- positive controls -----------------------------------------------------------------------


def rightful(
    w: World, rule: Any, cls: str
) -> list[tuple[str, Any, str | None, dict[str, Any]]]:
    """(label, client, bearer, extra placeholder values) of the rightful actor(s)."""
    api = rule.rule.startswith("/api/")
    if cls in (FACILITATOR, SIGNED_IN, SERIES_OWNER, TEMPLATE_OWNER):
        return (
            [("F_A (API token)", w.anon, w.f_a_token, {})]
            if api
            else [("F_A (cookie)", w.fa_browser, None, {})]
        )
    if cls == PARTICIPANT:
        if api:
            return [("participant of A (bearer)", w.anon, w.part_a_token, {})]
        return [
            (
                "participant of A (cookie)",
                w.phone_a,
                None,
                {"contribution_id": w.phone_contrib_a},
            )
        ]
    if cls == FAC_OR_PART:
        return [
            ("F_A (API token)", w.anon, w.f_a_token, {}),
            ("participant of A (bearer)", w.anon, w.part_a_token, {}),
        ]
    if cls == WALL_TOKEN:
        return [("anonymous with A's wall token", w.anon, None, {"token": w.a_wall})]
    if cls == SHARE_TOKEN:
        return [("anonymous with A's share link", w.anon, None, {"token": w.share_a})]
    raise AssertionError(cls)


def _order(job: tuple[Any, str, str]) -> tuple[int, int, str]:
    rule, method, url = job
    if method == "GET":
        return (0, 0, url)
    if rule.endpoint == "auth.logout":
        return (3, 0, url)
    for i, word in enumerate(LAST):
        if (
            word in rule.endpoint
            or url.endswith("/" + word)
            or "/" + word + "?" in url
            or word in url.rsplit("/", 1)[-1]
        ):
            return (2, i, url)
    return (1, 0, url)


def test_the_rightful_actor_is_let_in_everywhere(app: Any, world: World) -> None:
    """Every non-public route answers its rightful actor with something that is not 401/403/404/5xx,
    so a refusal above is never just a wrong placeholder."""
    w = world
    problems: list[str] = []
    with app.test_request_context():
        jobs = []
        for rule in _rules(app):
            for method in _methods(rule):
                cls = cls_of(rule, method)
                assert cls is not None
                if cls == PUBLIC:
                    continue
                for label, client, tok, extra in rightful(w, rule, cls):
                    for url in expand(rule, w.values(rule, **extra), light_only=True):
                        jobs.append((rule, method, url, label, client, tok))
    jobs.sort(key=lambda j: _order((j[0], j[1], j[2])))
    for rule, method, url, label, client, tok in jobs:
        resp = send(w, client, method, url, api_bearer=tok)
        if rule.endpoint == "auth.logout":
            # Signing out sends one to the sign-in page; afterwards the facilitator pages are closed.
            assert resp.status_code == 302 and refused(
                client.get(f"/workshops/{w.a_id}")
            ), resp.status_code
            continue
        if (
            resp.status_code in (401, 403, 404)
            or resp.status_code >= 500
            or refused(resp)
        ):
            problems.append(
                f"{method} {url} ({rule.endpoint}) as {label}: {resp.status_code} {resp.headers.get('Location', '')}"
            )
    assert not problems, "the rightful actor was refused:\n" + "\n".join(problems)


def test_public_routes_answer_anyone(app: Any, world: World) -> None:
    w = world
    for url in (
        "/",
        "/personvern",
        "/tilgjengelighet",
        "/healthz",
        "/static/favicon.svg",
        "/login",
        "/join",
        f"/j/{w.a_code}",
        "/api/v1/openapi.json",
    ):
        resp = w.anon.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
    assert w.anon.get("/favicon.ico").status_code == 301
    assert w.anon.get("/accessibility").status_code == 301
    w.reset_limits()
    resp = w.anon.post("/api/v1/join", json={"code": w.a_code})
    assert resp.status_code == 201


def test_one_write_per_class_is_seen_by_the_snapshot(app: Any, world: World) -> None:
    """The "nothing changed" check can see a change: the rightful actor's write changes a row."""
    w = world
    cases = [
        (
            "facilitator (cookie)",
            w.fa_browser,
            None,
            "POST",
            f"/workshops/{w.a_id}/details",
            (302,),
        ),
        (
            "participant (cookie)",
            w.phone_a,
            None,
            "POST",
            f"/w/{w.a_id}/contributions",
            (201,),
        ),
        (
            "participant (bearer)",
            w.anon,
            w.part_a_token,
            "POST",
            f"/api/v1/workshops/{w.a_id}/contributions",
            (201,),
        ),
        ("signed-in (API)", w.anon, w.f_b_token, "POST", "/api/v1/workshops", (201,)),
        (
            "facilitator (API)",
            w.anon,
            w.f_a_token,
            "POST",
            f"/api/v1/workshops/{w.a_id}/close",
            (200,),
        ),
    ]
    for label, client, tok, method, url, ok in cases:
        before = snapshot(app)
        resp = send(
            w,
            client,
            method,
            url,
            api_bearer=tok,
            as_json=url.endswith("/contributions") and tok is None,
        )
        assert resp.status_code in ok, (
            label,
            resp.status_code,
            resp.get_data(as_text=True)[:300],
        )
        assert snapshot(app) != before, label


# -- child objects of another workshop -------------------------------------------------------


def test_ids_of_workshop_b_under_workshop_a_change_nothing(
    app: Any, world: World
) -> None:
    """F_A (rightful for A) names a group, persona, contribution, round or link of B in A's URLs;
    the participant of A names B's contribution. Nothing of B (or anything else) may change."""
    w = world
    b_values = {
        "group_id": w.group_b.id,
        "persona_id": w.b.groups[0].persona.id,
        "contribution_id": w.contrib_b.id,
        "round_id": w.round_b.id,
        "link_id": w.link_b.id,
        "followup_id": w.followup_b.id,
        "theme_id": w.theme_b.id,
        "suggestion_id": w.suggestion_b.id,
        "tag_id": w.tag_b,
    }
    problems: list[str] = []
    before = snapshot(app)
    with app.test_request_context():
        jobs = []
        for rule in _rules(app):
            child = set(rule.arguments) & set(b_values)
            if "workshop_id" not in rule.arguments or not child:
                continue
            vals = w.values(rule) | {k: b_values[k] for k in child}
            for method in _methods(rule):
                cls = cls_of(rule, method)
                if cls not in (FACILITATOR, PARTICIPANT):
                    continue
                for label, client, tok, _extra in rightful(w, rule, cls):
                    for url in expand(rule, vals, light_only=True):
                        jobs.append((rule, method, url, label, client, tok))
    for rule, method, url, label, client, tok in jobs:
        for as_json in (
            [False, True]
            if method != "GET" and not url.startswith("/api/")
            else [False]
        ):
            resp = send(w, client, method, url, api_bearer=tok, as_json=as_json)
            what = f"{method} {url} ({rule.endpoint}) as {label}{' [json]' if as_json else ''}"
            if resp.status_code >= 500 or (
                method == "GET"
                and resp.status_code == 200
                and rule.endpoint != "participant.group"
            ):
                problems.append(f"{what}: {resp.status_code}")
            if method != "GET" and resp.status_code in (200, 201, 204):
                problems.append(f"{what}: {resp.status_code} {resp.get_data()[:120]!r}")
            after = snapshot(app)
            if after != before:
                problems.append(
                    f"{what}: changed tables {sorted(t for t in after if after[t] != before[t])}"
                )
                before = after
    # /w/A/g/<group of B> must not seat the participant at B's table (checked by the snapshot above).
    assert not problems, "cross-workshop ids:\n" + "\n".join(problems)


def test_a_participant_cannot_touch_another_participants_contribution(
    app: Any, world: World
) -> None:
    w = world
    before = snapshot(app)
    other = w.contrib_a.id  # posted by the token participant, not by the phone
    for url, method in (
        (f"/w/{w.a_id}/contributions/{other}/edit", "POST"),
        (f"/w/{w.a_id}/contributions/{other}/delete", "POST"),
    ):
        for as_json in (False, True):
            resp = send(w, w.phone_a, method, url, as_json=as_json)
            assert resp.status_code not in (200, 201, 204) and resp.status_code < 500, (
                url,
                as_json,
                resp.status_code,
            )
    assert w.phone_a.get(f"/w/{w.a_id}/contributions/{other}/edit").status_code == 404
    for method in ("PATCH", "DELETE"):
        resp = send(
            w,
            w.anon,
            method,
            f"/api/v1/workshops/{w.a_id}/contributions/{w.phone_contrib_a}",
            api_bearer=w.part_a_token,
        )
        assert resp.status_code in (403, 404), (method, resp.status_code)
    assert snapshot(app) == before


# -- Socket.IO -------------------------------------------------------------------------------

KNOWN_EVENTS = {"watch"}


def test_every_client_event_is_covered() -> None:
    from facilitator.realtime.sockets import CLIENT_EVENTS

    assert set(CLIENT_EVENTS) == KNOWN_EVENTS, (
        "a new Socket.IO client event needs an authorization check here"
    )


def test_sockets_without_rights_to_a_get_nothing_of_a(app: Any, world: World, sio: Any) -> None:
    from facilitator.realtime.sockets import CLIENT_EVENTS

    w = world
    connect = sio  # every socket still connected is disconnected by the fixture

    outsiders = {
        "participant of B (cookie)": connect(w.phone_b),
        "participant of B (token)": connect(auth={"token": w.part_b_token}),
        "F_B (cookie)": connect(w.fb_browser),
        "F_B (API token)": connect(auth={"token": w.f_b_token}),
        "wall of B": connect(auth={"wall": w.b_wall}),
        "report link of B": connect(auth={"report": w.share_b}),
        "revoked report link of A + wall of B": connect(
            auth={"report": w.revoked_share_a, "wall": w.b_wall}
        ),
    }
    for label, sock in outsiders.items():
        assert sock.is_connected(), label
    # No credential at all: the connection is refused.
    assert not connect().is_connected()
    assert not connect(auth={"wall": "x" * 43, "token": "y" * 43}).is_connected()

    insider = connect(auth={"wall": w.a_wall})
    for event in CLIENT_EVENTS:
        for label, sock in outsiders.items():
            ack = sock.emit(
                event, {"workshop_id": w.a_id, "since": 0}, callback=True
            )
            assert isinstance(ack, dict) and ack.get("ok") is False, (
                event,
                label,
                ack,
            )
            assert "changes" not in ack, (event, label)
            sock.get_received()
        ack = insider.emit(
            event, {"workshop_id": w.a_id, "since": 0}, callback=True
        )
        assert ack.get("ok") is True and ack["role"] == "wall", (
            ack
        )  # positive control
        insider.get_received()

    # Something happens in A: the wall of A hears it, none of the outsiders does.
    resp = post_json(
        w.phone_a,
        f"/w/{w.a_id}/contributions",
        {
            "group_id": w.group_a.id,
            "kind": "need",
            "text": "Et nytt behov, langt nok til å bli vist.",
            "client_id": client_id(),
        },
    )
    assert resp.status_code == 201
    assert insider.get_received(), "positive control: A's wall received nothing"
    for label, sock in outsiders.items():
        assert sock.get_received() == [], label

    # A participant of A without a table gets no room either.
    w.reset_limits()
    seatless = w.app.test_client()
    assert post_form(seatless, "/join", {"code": w.a_code}).status_code == 302
    s = connect(seatless)
    ack = s.emit("watch", {"workshop_id": w.a_id, "since": 0}, callback=True)
    assert ack.get("ok") is False, ack
