"""Browser routes through ``app.test_client()``: sign-in, preparing a workshop, phones posting with and
without JavaScript, access rules, CSRF, security headers and cookies. Plus the command line.

Forms are posted with a real CSRF token (see ``helpers.csrf_token``); one test also reads the token and
the client id from the rendered phone page, as a browser without JavaScript would.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    PASSWORD,
    bearer,
    client_id,
    csrf_token,
    login,
    make_user,
    make_workshop,
    post_form,
    post_json,
)
from sqlalchemy import func, select

from sessions.accounts.models import User
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution, Participant
from sessions.core import validation
from sessions.workshops import service as svc
from sessions.workshops.models import Group, Workshop, WorkshopPersona, WorkshopStatus

ROOT = Path(__file__).resolve().parents[2]


# -- helpers -------------------------------------------------------------------------------


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "fields": {}})
        elif tag == "input" and self.forms and a.get("name") and a.get("type") == "hidden":
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def forms_of(html: str) -> list[dict[str, Any]]:
    parser = _Inputs()
    parser.feed(html)
    return parser.forms


def flashes(client: Any) -> list[tuple[str, str]]:
    """The flashed messages waiting in the client's session (consumed)."""
    with client.session_transaction() as sess:
        return list(sess.pop("_flashes", []))


def fresh(app_db: Any) -> Any:
    """The test's session with its read snapshot dropped, so it sees what the requests committed."""
    app_db.rollback()
    return app_db


def count(app_db: Any, model: Any, *where: Any) -> int:
    return fresh(app_db).scalar(select(func.count()).select_from(model).where(*where)) or 0


def reload(app_db: Any, model: Any, ident: int) -> Any:
    return fresh(app_db).get(model, ident)


def join_by_form(client: Any, code: str, name: str = "") -> Any:
    return post_form(client, "/join", {"code": code, "display_name": name})


@pytest.fixture
def phone(make_client: Any, workshop: Any) -> Any:
    """A phone that joined ``workshop`` through the form (its token lives in the session cookie)."""
    c = make_client()
    resp = join_by_form(c, workshop.join_code)
    assert resp.status_code == 302
    return c


def form_post_contribution(client: Any, ws: Any, group: Any, text: str, **extra: Any) -> Any:
    data = {"group_id": group.id, "kind": "need", "text": text, "client_id": client_id()}
    data.update(extra)
    return post_form(client, f"/w/{ws.id}/contributions", data)


# -- signing in ----------------------------------------------------------------------------


class TestLogin:
    def test_login_page(self, client):
        resp = client.get("/login")
        assert resp.status_code == 200
        assert 'name="csrf_token"' in resp.get_data(as_text=True)

    def test_wrong_password(self, client, facilitator):
        resp = login(client, facilitator.email, "feil-passord-000")
        assert resp.status_code == 401
        assert client.get("/workshops").status_code == 302

    def test_unknown_email(self, client, facilitator):
        assert login(client, "ukjent@kommune.no").status_code == 401

    def test_right_password(self, client, facilitator):
        resp = login(client, facilitator.email)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/workshops")
        assert client.get("/workshops").status_code == 200

    def test_email_is_case_insensitive(self, client, facilitator):
        assert login(client, facilitator.email.upper()).status_code == 302

    def test_next_is_followed_only_within_the_site(self, client, facilitator):
        resp = post_form(client, "/login?next=/workshops/new", {"email": facilitator.email, "password": PASSWORD})
        assert resp.headers["Location"].endswith("/workshops/new")
        post_form(client, "/logout")
        for evil in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
            resp = post_form(client, f"/login?next={evil}", {"email": facilitator.email, "password": PASSWORD})
            assert resp.status_code == 302
            assert "evil" not in resp.headers["Location"] and resp.headers["Location"].endswith("/workshops")
            post_form(client, "/logout")

    def test_rate_limit_after_ten_tries(self, client, app_db, facilitator):
        for _ in range(10):
            assert login(client, facilitator.email, "feil-passord-000").status_code == 401
        # The eleventh try is refused even with the right password ...
        assert login(client, facilitator.email).status_code == 429
        assert client.get("/workshops").status_code == 302
        # ... and from this address for other accounts too.
        other = make_user(app_db, "annen@kommune.no")
        assert login(client, other.email).status_code == 429

    def test_logout(self, logged_in):
        assert logged_in.get("/workshops").status_code == 200
        resp = post_form(logged_in, "/logout")
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
        assert logged_in.get("/workshops").status_code == 302

    def test_logout_needs_post(self, logged_in):
        assert logged_in.get("/logout").status_code == 405
        assert logged_in.get("/workshops").status_code == 200


class TestLoginRequired:
    @pytest.mark.parametrize("path", ["/workshops", "/workshops/new", "/workshops/1", "/workshops/1/live", "/workshops/1/qr.svg"])
    def test_redirects_to_login(self, client, path):
        resp = client.get(path)
        assert resp.status_code == 302
        assert resp.headers["Location"].startswith("/login")
        assert "next=" in resp.headers["Location"]

    def test_post_without_login_changes_nothing(self, client, workshop, app_db):
        resp = post_form(client, f"/workshops/{workshop.id}/close")
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
        assert reload(app_db, Workshop, workshop.id).status == WorkshopStatus.open

    def test_another_facilitators_workshop_is_not_found(self, client, app_db, workshop):
        stranger = make_user(app_db, "fremmed@kommune.no")
        login(client, stranger.email)
        assert client.get(f"/workshops/{workshop.id}").status_code == 404
        assert client.get(f"/workshops/{workshop.id}/live").status_code == 404
        assert post_form(client, f"/workshops/{workshop.id}/close").status_code == 404
        assert reload(app_db, Workshop, workshop.id).status == WorkshopStatus.open
        assert workshop.title not in client.get("/workshops").get_data(as_text=True)


# -- CSRF ------------------------------------------------------------------------------------


class TestCsrf:
    def test_login_without_token_is_rejected(self, client, facilitator):
        resp = client.post("/login", data={"email": facilitator.email, "password": PASSWORD})
        assert resp.status_code == 400
        assert client.get("/workshops").status_code == 302

    def test_token_of_another_session_is_rejected(self, make_client, facilitator):
        a, b = make_client(), make_client()
        token_a = csrf_token(a)
        csrf_token(b)
        resp = b.post("/login", data={"email": facilitator.email, "password": PASSWORD, "csrf_token": token_a})
        assert resp.status_code == 400

    def test_facilitator_form_without_token(self, logged_in, workshop, app_db):
        resp = logged_in.post(f"/workshops/{workshop.id}/close")
        assert resp.status_code == 400
        assert reload(app_db, Workshop, workshop.id).status == WorkshopStatus.open

    def test_fetch_without_token(self, phone, workshop, app_db):
        body = {"group_id": workshop.groups[0].id, "kind": "need", "text": "Hei", "client_id": client_id()}
        resp = phone.post(f"/w/{workshop.id}/contributions", json=body, headers={"Accept": "application/json"})
        assert resp.status_code == 400
        assert resp.get_json()["error"]["code"] == "csrf_failed"
        assert count(app_db, Contribution) == 0

    def test_token_from_the_rendered_page_works(self, client, facilitator):
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        resp = client.post("/login", data={"email": facilitator.email, "password": PASSWORD, "csrf_token": token})
        assert resp.status_code == 302


# -- preparing a workshop ------------------------------------------------------------------


class TestPrepare:
    def test_list_shows_own_workshops(self, logged_in, workshop):
        html = logged_in.get("/workshops").get_data(as_text=True)
        assert workshop.title in html

    def test_new_workshop_form(self, logged_in, library):
        resp = logged_in.get("/workshops/new")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert all(spec.name in html for spec in library.values())

    def test_create_workshop(self, logged_in, app_db, facilitator):
        resp = post_form(
            logged_in,
            "/workshops/new",
            {"title": "Samling i Molde", "date": "2026-03-12", "place": "Molde", "intro": "Velkommen",
             "personas": ["ine", "nils"], "group_count": "3"},
        )
        assert resp.status_code == 302
        ws_id = int(re.search(r"/workshops/(\d+)$", resp.headers["Location"]).group(1))
        ws = svc.load_for_dashboard(fresh(app_db), ws_id)
        assert (ws.title, ws.place, ws.intro, ws.date.isoformat()) == ("Samling i Molde", "Molde", "Velkommen", "2026-03-12")
        assert ws.owner_id == facilitator.id and ws.is_draft
        assert [p.key for p in ws.personas] == ["ine", "nils"]
        assert [g.persona.key for g in ws.groups] == ["ine", "nils", "ine"]
        assert logged_in.get(resp.headers["Location"]).status_code == 200

    @pytest.mark.parametrize(
        "form",
        [
            {"title": "", "personas": ["ine"]},
            {"title": "   ", "personas": ["ine"]},
            {"title": "x" * 201, "personas": ["ine"]},
            {"title": "Samling", "date": "12/03/2026", "personas": ["ine"]},
            {"title": "Samling", "personas": ["ine"], "group_count": "tre"},
            {"title": "Samling", "personas": ["ine"], "group_count": "0"},
            {"title": "Samling", "personas": ["ine"], "group_count": str(validation.MAX_GROUPS + 1)},
        ],
    )
    def test_create_rejects_bad_input(self, logged_in, app_db, form):
        resp = post_form(logged_in, "/workshops/new", form)
        assert resp.status_code == 422
        assert 'role="alert"' in resp.get_data(as_text=True) or "flash-error" in resp.get_data(as_text=True)
        assert count(app_db, Workshop) == 0

    def test_update_details(self, logged_in, app_db, workshop):
        resp = post_form(logged_in, f"/workshops/{workshop.id}/details", {"title": "Nytt namn", "date": "", "place": "Ålesund", "intro": ""})
        assert resp.status_code == 302
        ws = reload(app_db, Workshop, workshop.id)
        assert (ws.title, ws.place, ws.date) == ("Nytt namn", "Ålesund", None)
        assert [cat for cat, _ in flashes(logged_in)] == ["success"]
        post_form(logged_in, f"/workshops/{workshop.id}/details", {"title": " ", "place": "X"})
        assert [cat for cat, _ in flashes(logged_in)] == ["error"]
        assert reload(app_db, Workshop, workshop.id).title == "Nytt namn"

    def test_add_update_delete_group(self, logged_in, app_db, workshop):
        ws_id = workshop.id
        persona_id = workshop.groups[1].persona_id
        resp = post_form(logged_in, f"/workshops/{ws_id}/groups", {"name": "Bord 4", "persona_id": str(persona_id)})
        assert resp.status_code == 302 and resp.headers["Location"].endswith("#groups")
        assert [cat for cat, _ in flashes(logged_in)] == ["success"]
        new = fresh(app_db).scalar(select(Group).where(Group.workshop_id == ws_id, Group.name == "Bord 4"))
        assert new is not None and new.persona_id == persona_id and new.position == 3

        resp = post_form(logged_in, f"/workshops/{ws_id}/groups/{new.id}", {"name": "Bord fire", "persona_id": str(workshop.groups[0].persona_id)})
        assert resp.status_code == 302
        g = reload(app_db, Group, new.id)
        assert (g.name, g.persona_id) == ("Bord fire", workshop.groups[0].persona_id)

        resp = post_form(logged_in, f"/workshops/{ws_id}/groups/{new.id}/delete")
        assert resp.status_code == 302
        assert reload(app_db, Group, new.id) is None
        assert count(app_db, Group, Group.workshop_id == ws_id) == 3

    @pytest.mark.parametrize(
        "form",
        [{"name": "", "persona_id": ""}, {"name": "  ", "persona_id": ""}, {"name": "x" * 61, "persona_id": ""},
         {"name": "Bord 4", "persona_id": "abc"}, {"name": "Bord 4", "persona_id": "999999"}],
    )
    def test_add_group_rejects_bad_input(self, logged_in, app_db, workshop, form):
        before = count(app_db, Group)
        resp = post_form(logged_in, f"/workshops/{workshop.id}/groups", form)
        assert resp.status_code == 302
        assert [cat for cat, _ in flashes(logged_in)] == ["error"]
        assert count(app_db, Group) == before

    def test_ids_beyond_the_integer_range(self, logged_in, app_db, workshop):
        big = 2**70
        assert logged_in.get(f"/workshops/{big}").status_code == 404
        assert logged_in.get(f"/workshops/{big}/live").status_code == 404
        post_form(logged_in, f"/workshops/{workshop.id}/groups/{big}", {"name": "X", "persona_id": ""})
        post_form(logged_in, f"/workshops/{workshop.id}/groups", {"name": "X", "persona_id": str(big)})
        post_form(logged_in, f"/workshops/{workshop.id}/personas/{big}/delete")
        assert [cat for cat, _ in flashes(logged_in)] == ["error", "error", "error"]
        assert count(app_db, Group) == 3

    def test_group_of_another_workshop_cannot_be_changed(self, logged_in, app_db, facilitator, library, workshop):
        other = make_workshop(app_db, facilitator, library, n_groups=1, title="Annen")
        target = other.groups[0]
        post_form(logged_in, f"/workshops/{workshop.id}/groups/{target.id}", {"name": "Kapra", "persona_id": ""})
        post_form(logged_in, f"/workshops/{workshop.id}/groups/{target.id}/delete")
        assert reload(app_db, Group, target.id).name == target.name

    def test_group_with_contributions_cannot_be_deleted(self, logged_in, app_db, workshop):
        p, _ = participation.join(app_db, workshop.join_code)
        participation.submit_contribution(app_db, p, workshop.groups[0].id, "need", "Innspel", client_id())
        post_form(logged_in, f"/workshops/{workshop.id}/groups/{workshop.groups[0].id}/delete")
        assert [cat for cat, _ in flashes(logged_in)] == ["error"]
        assert reload(app_db, Group, workshop.groups[0].id) is not None

    def test_add_library_persona(self, logged_in, app_db, facilitator, library):
        ws = make_workshop(app_db, facilitator, library, n_groups=1, open_it=False)
        missing = next(k for k in sorted(library) if k not in {p.key for p in ws.personas})
        post_form(logged_in, f"/workshops/{ws.id}/personas", {"persona_key": missing})
        assert missing in {p.key for p in svc.load_for_dashboard(fresh(app_db), ws.id).personas}
        post_form(logged_in, f"/workshops/{ws.id}/personas", {"persona_key": missing})  # again
        assert [cat for cat, _ in flashes(logged_in)] == ["success", "error"]
        post_form(logged_in, f"/workshops/{ws.id}/personas", {"persona_key": "finnes-ikke"})
        assert [cat for cat, _ in flashes(logged_in)] == ["error"]
        assert count(app_db, WorkshopPersona, WorkshopPersona.workshop_id == ws.id) == 2


GOOD_PERSONA = {
    "name": "Kari Kommune",
    "age": "34",
    "role": "Enhetsleder, teknisk drift",
    "card": "Kari er 34 år og nytilsatt enhetsleder i teknisk drift i en liten kommune.",
    "background": (
        "Kari har ansvar for vei, vann og avløp og leder et lite fagmiljø der flere går av med pensjon. "
        "Kommunen har stram økonomi, og kravene til digital kartlegging øker.\n\n"
        "Kari lurer på hvordan hun skal bygge opp kompetansen i enheten uten å sende folk på lange kurs, "
        "og hvem hun kan samarbeide med i regionen."
    ),
    "questions": (
        "Hvilken kompetanse trenger Kari det første året som leder?\n"
        "Hvordan kan små kommuner samarbeide om smale fagområder?\n"
        "Hvem bør ha ansvaret for å følge opp tiltakene?"
    ),
}


class TestCustomPersona:
    def test_form(self, logged_in, workshop):
        assert logged_in.get(f"/workshops/{workshop.id}/personas/new").status_code == 200

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("name", ""),
            ("age", "abc"),
            ("age", "12"),
            ("role", ""),
            ("card", "For kort."),
            ("background", "Alt for kort bakgrunn."),
            ("questions", "Bare ett spørsmål?"),
        ],
    )
    def test_bad_input_names_the_field(self, logged_in, app_db, workshop, field, value):
        before = count(app_db, WorkshopPersona)
        resp = post_form(logged_in, f"/workshops/{workshop.id}/personas/new", {**GOOD_PERSONA, field: value})
        assert resp.status_code == 422
        html = resp.get_data(as_text=True)
        message = re.search(rf'<p class="field-error" id="err-{field}">([^<]+)</p>', html)
        assert message and message.group(1).strip(), f"no message for {field}"
        assert f'aria-describedby="err-{field}"' in html
        assert count(app_db, WorkshopPersona) == before

    def test_good_input_adds_the_persona(self, logged_in, app_db, workshop):
        resp = post_form(logged_in, f"/workshops/{workshop.id}/personas/new", GOOD_PERSONA)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("#personas")
        wp = fresh(app_db).scalar(select(WorkshopPersona).where(WorkshopPersona.workshop_id == workshop.id, WorkshopPersona.name == "Kari Kommune"))
        assert wp is not None and not wp.from_library and wp.key.startswith("x-")
        assert wp.age == 34 and len(wp.questions) == 3 and len(wp.background_paragraphs) == 2
        # The same name twice gets its own key.
        post_form(logged_in, f"/workshops/{workshop.id}/personas/new", GOOD_PERSONA)
        keys = fresh(app_db).scalars(select(WorkshopPersona.key).where(WorkshopPersona.name == "Kari Kommune")).all()
        assert len(set(keys)) == 2


class TestOpenClose:
    def test_open_and_close(self, logged_in, app_db, facilitator, library):
        ws = make_workshop(app_db, facilitator, library, open_it=False)
        resp = post_form(logged_in, f"/workshops/{ws.id}/open")
        assert resp.status_code == 302
        assert reload(app_db, Workshop, ws.id).status == WorkshopStatus.open
        post_form(logged_in, f"/workshops/{ws.id}/close")
        assert reload(app_db, Workshop, ws.id).status == WorkshopStatus.closed
        flashes(logged_in)
        post_form(logged_in, f"/workshops/{ws.id}/close")  # again
        assert [cat for cat, _ in flashes(logged_in)] == ["error"]

    def test_open_without_groups_fails_with_a_message(self, logged_in, app_db, facilitator, library):
        ws = svc.create_workshop(app_db, facilitator, svc.WorkshopDetails.parse("Tom", "", "", ""), [library["ine"]], [])
        post_form(logged_in, f"/workshops/{ws.id}/open")
        msgs = flashes(logged_in)
        assert [cat for cat, _ in msgs] == ["error"] and msgs[0][1]
        assert reload(app_db, Workshop, ws.id).status == WorkshopStatus.draft

    def test_dashboard_pages(self, logged_in, workshop):
        for path in (f"/workshops/{workshop.id}", f"/workshops/{workshop.id}/live"):
            resp = logged_in.get(path)
            assert resp.status_code == 200, path
            assert workshop.join_code in resp.get_data(as_text=True).replace(" ", "")
        qr = logged_in.get(f"/workshops/{workshop.id}/qr.svg")
        assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


# -- phones ----------------------------------------------------------------------------------


class TestJoin:
    def test_join_form(self, client):
        assert client.get("/join").status_code == 200

    def test_join_by_form_with_a_spaced_code(self, client, app_db, workshop):
        code = f"{workshop.join_code[:4]} {workshop.join_code[4:]}"
        resp = join_by_form(client, code, "Kari")
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/w/{workshop.id}")
        p = fresh(app_db).scalar(select(Participant).where(Participant.workshop_id == workshop.id))
        assert p.display_name == "Kari"
        with client.session_transaction() as sess:
            assert set(sess["pt"]) == {str(workshop.id)}
        assert client.get(f"/w/{workshop.id}").status_code == 200

    def test_joining_twice_keeps_one_participant(self, client, app_db, workshop):
        join_by_form(client, workshop.join_code)
        resp = join_by_form(client, workshop.join_code)
        assert resp.status_code == 302
        assert count(app_db, Participant) == 1

    def test_qr_link(self, client, workshop):
        resp = client.get(f"/j/{workshop.join_code}")
        assert resp.status_code == 200
        assert workshop.title in resp.get_data(as_text=True)
        form = next(f for f in forms_of(resp.get_data(as_text=True)) if f["fields"].get("code"))
        resp = client.post(form["action"], data=form["fields"])
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/w/{workshop.id}")
        # Following the link again goes straight to the workshop.
        again = client.get(f"/j/{workshop.join_code}")
        assert again.status_code == 302 and again.headers["Location"].endswith(f"/w/{workshop.id}")

    @pytest.mark.parametrize("code", ["00000000", "1234", "abcdefgh"])
    def test_unknown_code(self, client, app_db, workshop, code):
        if code == "00000000" and workshop.join_code == code:
            code = "00000001"
        assert client.get(f"/j/{code}").status_code == 404
        assert join_by_form(client, code).status_code == 404
        assert count(app_db, Participant) == 0

    def test_draft_and_closed(self, client, app_db, facilitator, library):
        ws = make_workshop(app_db, facilitator, library, open_it=False)
        assert join_by_form(client, ws.join_code).status_code == 409
        assert client.get(f"/j/{ws.join_code}").status_code == 200  # explains that it has not started
        svc.close_workshop(app_db, svc.open_workshop(app_db, ws))
        assert join_by_form(client, ws.join_code).status_code == 409
        assert count(app_db, Participant) == 0

    def test_wrong_codes_are_rate_limited(self, client, workshop):
        from facilitator.ratelimit import LIMITS

        misses = int(LIMITS["join_code_miss"].split("/")[0])
        wrong = f"{(int(workshop.join_code) + 1) % 10**8:08d}"
        for _ in range(misses):
            assert join_by_form(client, wrong).status_code == 404
        assert join_by_form(client, workshop.join_code).status_code == 429
        assert client.get(f"/j/{workshop.join_code}").status_code == 429

    def test_pages_without_joining_redirect_to_join(self, client, workshop):
        for path in (f"/w/{workshop.id}", f"/w/{workshop.id}/g/{workshop.groups[0].id}"):
            resp = client.get(path)
            assert resp.status_code == 302 and resp.headers["Location"].endswith("/join")


class TestPost:
    def test_choose_group_and_post_without_javascript(self, phone, app_db, workshop):
        group = workshop.groups[1]
        page = phone.get(f"/w/{workshop.id}")
        choose = next(f for f in forms_of(page.get_data(as_text=True)) if f["action"].endswith("/group"))
        resp = phone.post(choose["action"], data={**choose["fields"], "group_id": str(group.id)})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/w/{workshop.id}/g/{group.id}")

        page = phone.get(resp.headers["Location"])
        assert page.status_code == 200
        form = next(f for f in forms_of(page.get_data(as_text=True)) if f["action"].endswith("/contributions"))
        assert form["fields"]["group_id"] == str(group.id) and form["fields"]["client_id"]
        data = {**form["fields"], "kind": "solution", "text": "Hospitering <i>mellom</i> kommunar"}
        resp = phone.post(form["action"], data=data)
        assert resp.status_code == 302
        c = fresh(app_db).scalar(select(Contribution))
        assert resp.headers["Location"].endswith(f"/w/{workshop.id}/g/{group.id}#c{c.id}")
        assert (c.group_id, c.kind.value, c.text) == (group.id, "solution", "Hospitering <i>mellom</i> kommunar")
        html = phone.get(f"/w/{workshop.id}/g/{group.id}").get_data(as_text=True)
        assert "Hospitering &lt;i&gt;mellom&lt;/i&gt; kommunar" in html and "<i>mellom</i>" not in html
        # The browser resubmitting the same form (same client id) does not duplicate.
        assert phone.post(form["action"], data=data).status_code == 302
        assert count(app_db, Contribution) == 1

    def test_plain_form_with_bad_input_redirects_back_with_a_message(self, phone, app_db, workshop):
        group = workshop.groups[0]
        for text in ("", "   ", "x" * 1001):
            resp = form_post_contribution(phone, workshop, group, text)
            assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/w/{workshop.id}/g/{group.id}")
            msgs = flashes(phone)
            assert [cat for cat, _ in msgs] == ["error"] and msgs[0][1]
        assert count(app_db, Contribution) == 0

    def test_fetch_posts_json_and_retry_does_not_duplicate(self, phone, app_db, workshop):
        group = workshop.groups[0]
        cid = client_id()
        body = {"group_id": group.id, "kind": "need", "text": "Mentor for nyansatte", "client_id": cid}
        first = post_json(phone, f"/w/{workshop.id}/contributions", body)
        assert first.status_code == 201
        c = first.get_json()["contribution"]
        assert c["text"] == "Mentor for nyansatte" and c["group_id"] == group.id and c["seq"] == 1
        again = post_json(phone, f"/w/{workshop.id}/contributions", body)
        assert again.status_code == 200 and again.get_json()["contribution"]["id"] == c["id"]
        # The same endpoint as a plain form with the same id: still one.
        assert form_post_contribution(phone, workshop, group, "Mentor for nyansatte", client_id=cid).status_code == 302
        assert count(app_db, Contribution) == 1

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"text": ""}, 422, "validation_failed"),
            ({"text": " \n "}, 422, "validation_failed"),
            ({"text": "x" * 1001}, 422, "validation_failed"),
            ({"kind": "idea"}, 422, "validation_failed"),
            ({"client_id": "kort"}, 422, "validation_failed"),
            ({"group_id": 999999}, 404, "wrong_workshop"),
            ({"group_id": None}, 404, "wrong_workshop"),
        ],
    )
    def test_fetch_errors_are_json(self, phone, app_db, workshop, body, status, code):
        payload = {"group_id": workshop.groups[0].id, "kind": "need", "text": "Hei", "client_id": client_id(), **body}
        resp = post_json(phone, f"/w/{workshop.id}/contributions", payload)
        assert resp.status_code == status
        assert resp.get_json()["error"]["code"] == code and resp.get_json()["error"]["message"]
        assert count(app_db, Contribution) == 0

    def test_post_only_at_ones_own_table(self, phone, app_db, workshop):
        g1, g2 = workshop.groups[0], workshop.groups[1]
        assert post_form(phone, f"/w/{workshop.id}/group", {"group_id": str(g1.id)}).status_code == 302
        payload = {"group_id": g2.id, "kind": "need", "text": "Feil bord", "client_id": client_id()}
        resp = post_json(phone, f"/w/{workshop.id}/contributions", payload)
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_in_group"
        resp = form_post_contribution(phone, workshop, g2, "Feil bord")
        assert resp.status_code == 302
        assert [cat for cat, _ in flashes(phone)] == ["error"]
        assert count(app_db, Contribution) == 0

    def test_malformed_json_body(self, phone, app_db, workshop):
        for raw in ("{nope", "[1, 2]"):
            resp = phone.post(
                f"/w/{workshop.id}/contributions",
                data=raw,
                content_type="application/json",
                headers={"Accept": "application/json", "X-CSRFToken": csrf_token(phone)},
            )
            assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_json"
        assert count(app_db, Contribution) == 0

    def test_closed_workshop(self, phone, app_db, workshop):
        svc.close_workshop(app_db, workshop)
        payload = {"group_id": workshop.groups[0].id, "kind": "need", "text": "Hei", "client_id": client_id()}
        resp = post_json(phone, f"/w/{workshop.id}/contributions", payload)
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "workshop_not_open"
        assert count(app_db, Contribution) == 0

    def test_edit_and_delete_own_without_javascript(self, phone, app_db, workshop):
        group = workshop.groups[0]
        form_post_contribution(phone, workshop, group, "Før")
        c = fresh(app_db).scalar(select(Contribution))
        edit_page = phone.get(f"/w/{workshop.id}/contributions/{c.id}/edit")
        assert edit_page.status_code == 200 and "Før" in edit_page.get_data(as_text=True)
        resp = post_form(phone, f"/w/{workshop.id}/contributions/{c.id}/edit", {"text": "Etter"})
        assert resp.status_code == 302
        assert reload(app_db, Contribution, c.id).text == "Etter"
        resp = post_form(phone, f"/w/{workshop.id}/contributions/{c.id}/delete")
        assert resp.status_code == 302
        assert reload(app_db, Contribution, c.id).deleted

    def test_cannot_edit_or_delete_someone_elses(self, phone, make_client, app_db, workshop):
        form_post_contribution(phone, workshop, workshop.groups[0], "Mitt")
        c = fresh(app_db).scalar(select(Contribution))
        other = make_client()
        join_by_form(other, workshop.join_code)
        assert other.get(f"/w/{workshop.id}/contributions/{c.id}/edit").status_code == 404
        resp = post_json(other, f"/w/{workshop.id}/contributions/{c.id}/edit", {"text": "Kapra"})
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_your_contribution"
        resp = post_json(other, f"/w/{workshop.id}/contributions/{c.id}/delete", {})
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_your_contribution"
        stored = reload(app_db, Contribution, c.id)
        assert stored.text == "Mitt" and not stored.deleted

    def test_participant_cannot_open_facilitator_pages(self, phone, app_db, workshop):
        for path in (f"/workshops/{workshop.id}", f"/workshops/{workshop.id}/live", "/workshops"):
            resp = phone.get(path)
            assert resp.status_code == 302 and resp.headers["Location"].startswith("/login"), path
        resp = post_form(phone, f"/workshops/{workshop.id}/close")
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
        assert reload(app_db, Workshop, workshop.id).status == WorkshopStatus.open

    def test_participant_of_a_cannot_post_to_b(self, phone, app_db, facilitator, library, workshop):
        other = make_workshop(app_db, facilitator, library, n_groups=2, title="Workshop B")
        payload = {"group_id": other.groups[0].id, "kind": "need", "text": "Inntrenger", "client_id": client_id()}
        resp = post_json(phone, f"/w/{other.id}/contributions", payload)
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_joined"
        # Through its own workshop's endpoint with B's group: refused as well.
        resp = post_json(phone, f"/w/{workshop.id}/contributions", payload)
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "wrong_workshop"
        assert form_post_contribution(phone, other, other.groups[0], "Inntrenger").status_code == 403
        # ... and a participant token of A in a bearer header does not open B's pages either.
        assert phone.get(f"/w/{other.id}").status_code == 302
        assert count(app_db, Contribution) == 0

    def test_group_of_another_workshop_page_is_not_found(self, phone, app_db, facilitator, library, workshop):
        other = make_workshop(app_db, facilitator, library, n_groups=1, title="Workshop B")
        assert phone.get(f"/w/{workshop.id}/g/{other.groups[0].id}").status_code == 404


# -- the wall ------------------------------------------------------------------------------


class TestWall:
    def test_wall_with_the_right_token(self, client, app_db, workshop):
        p, _ = participation.join(app_db, workshop.join_code)
        participation.submit_contribution(app_db, p, workshop.groups[2].id, "need", "Synleg på veggen", client_id())
        resp = client.get(f"/wall/{workshop.wall_token}")
        assert resp.status_code == 200
        assert "Synleg på veggen" in resp.get_data(as_text=True)
        qr = client.get(f"/wall/{workshop.wall_token}/qr.svg")
        assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"

    @pytest.mark.parametrize("mutate", [lambda t: t[:-1] + ("x" if t[-1] != "x" else "y"), lambda t: "x", lambda t: t + "a"])
    def test_wrong_token_is_not_found(self, client, workshop, mutate):
        assert client.get(f"/wall/{mutate(workshop.wall_token)}").status_code == 404
        assert client.get(f"/wall/{mutate(workshop.wall_token)}/qr.svg").status_code == 404

    def test_wall_page_sends_no_referrer(self, client, workshop):
        assert client.get(f"/wall/{workshop.wall_token}").headers["Referrer-Policy"] == "no-referrer"


# -- headers and cookies -------------------------------------------------------------------


class TestSecurityHeaders:
    @pytest.mark.parametrize("path", ["/login", "/join", "/", "/api/v1/openapi.json", "/finnes-ikke"])
    def test_headers(self, client, path):
        resp = client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"

    def test_html_is_not_cached(self, client):
        assert client.get("/login").headers["Cache-Control"] == "no-store"

    def test_session_cookie_flags(self, client, facilitator):
        assert client.application.config["SESSION_COOKIE_SECURE"] is True  # the default config
        resp = login(client, facilitator.email)
        cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("pv_session="))
        flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
        assert "httponly" in flags and "secure" in flags
        assert flags["samesite"].lower() == "samesite=lax"
        assert "Strict-Transport-Security" in resp.headers

    def test_participant_cookie_flags(self, client, workshop):
        resp = join_by_form(client, workshop.join_code)
        cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("pv_session="))
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie

    def test_pv_allow_http_turns_secure_off(self, app_config, clean_env, monkeypatch):
        from facilitator import create_app

        monkeypatch.setenv("PV_ALLOW_HTTP", "1")
        app = create_app(app_config)
        try:
            assert app.config["SESSION_COOKIE_SECURE"] is False
        finally:
            app.extensions["pv_engine"].dispose()


# -- command line --------------------------------------------------------------------------


class TestCli:
    def test_users_create_and_token(self, app, client, app_db):
        runner = app.test_cli_runner()
        result = runner.invoke(args=["users", "create", "Ny.Fasilitator@Kommune.no", "--password", "et-langt-passord"])
        assert result.exit_code == 0, result.output
        user = fresh(app_db).scalar(select(User).where(User.email == "ny.fasilitator@kommune.no"))
        assert user is not None
        assert login(client, "ny.fasilitator@kommune.no", "et-langt-passord").status_code == 302

        result = runner.invoke(args=["users", "token", "ny.fasilitator@kommune.no"])
        assert result.exit_code == 0, result.output
        token = result.output.strip().splitlines()[-1]
        resp = client.get("/api/v1/personas", headers=bearer(token))
        assert resp.status_code == 200
        # A new token replaces the old one.
        newer = runner.invoke(args=["users", "token", "ny.fasilitator@kommune.no"]).output.strip().splitlines()[-1]
        assert client.get("/api/v1/personas", headers=bearer(token)).status_code == 401
        assert client.get("/api/v1/personas", headers=bearer(newer)).status_code == 200

    def test_users_create_rejects_bad_input(self, app, app_db):
        runner = app.test_cli_runner()
        for args in (["ikke-en-epost", "--password", "et-langt-passord"], ["kort@kommune.no", "--password", "kort"]):
            result = runner.invoke(args=["users", "create", *args])
            assert result.exit_code != 0
        make_user(app_db, "finst@kommune.no")
        assert runner.invoke(args=["users", "create", "finst@kommune.no", "--password", "et-langt-passord"]).exit_code != 0
        assert count(app_db, User) == 1

    def test_users_token_for_unknown_user(self, app):
        result = app.test_cli_runner().invoke(args=["users", "token", "ingen@kommune.no"])
        assert result.exit_code != 0

    def test_personas_check_with_the_shipped_files(self, app, library):
        result = app.test_cli_runner().invoke(args=["personas", "check"])
        assert result.exit_code == 0, result.output
        assert f"{len(library)} persona(s) valid" in result.output

    def test_personas_check_names_file_and_field(self, app, tmp_path, library):
        persona_dir = bad_persona_dir(tmp_path)
        app.config["PERSONA_DIR"] = str(persona_dir)
        result = app.test_cli_runner().invoke(args=["personas", "check"])
        assert result.exit_code == 1
        out = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert "kari.toml" in out and "'age'" in out
        assert f"{len(library)} persona(s) valid" in out

    def test_bad_persona_file_does_not_stop_the_app(self, app_config, clean_env, tmp_path, library, caplog):
        from facilitator import create_app

        app_config["PERSONA_DIR"] = str(bad_persona_dir(tmp_path))
        app = create_app(app_config)
        try:
            assert set(app.extensions["pv_personas"]) == set(library)
            errors = app.extensions["pv_persona_errors"]
            assert errors and all(Path(e.path).name == "kari.toml" for e in errors)
            assert any(e.field == "age" for e in errors)
            assert "kari.toml" in caplog.text
            assert app.test_client().get("/healthz").status_code == 200
        finally:
            app.extensions["pv_engine"].dispose()


def bad_persona_dir(tmp_path: Path) -> Path:
    """The shipped personas plus kari.toml with an impossible age."""
    d = tmp_path / "personas"
    d.mkdir()
    for f in (ROOT / "personas").glob("*.toml"):
        shutil.copy(f, d / f.name)
    src = (ROOT / "personas" / "ine.toml").read_text(encoding="utf-8")
    src = re.sub(r'^id = "ine"$', 'id = "kari"', src, flags=re.M)
    src = re.sub(r"^age = \d+$", "age = 200", src, flags=re.M)
    assert 'id = "kari"' in src and "age = 200" in src
    (d / "kari.toml").write_text(src, encoding="utf-8")
    return d
