"""Property-based fuzzing of the JSON API against its own OpenAPI document (Schemathesis 4).

The document is facilitator/openapi.json, read at import (the app serves that very file at
``/api/v1/openapi.json``; a test below checks they are equal), and every operation in it is fuzzed in
process over WSGI: an endpoint added to the document is fuzzed without touching this file. Schemathesis
runs its coverage phase (boundary and schema-violating values: missing fields, wrong JSON types, strings
one past their limit, ids below the minimum) and its fuzzing phase (random valid and invalid requests:
unicode, NUL and control characters included), derandomized with a fixed seed and a bounded number of
examples, so CI sends the same requests every run.

Each operation is fuzzed under four identities: a facilitator's token, a participant's token, no token
and a token that is no token. Ids in paths and bodies are often swapped for real ones (mostly our own
workshop's, sometimes another facilitator's), so requests reach the code behind the 404s; the other
facilitator's workshop must come out of the run exactly as it went in.

Checks on every response (``call_and_validate``): no 5xx; status code, content type, headers and body as
the document declares them for the operation; schema-violating requests refused, schema-valid ones not
refused with 422 (except SEMANTIC_REFUSALS); auth not ignored; and every error answer is
``{"error": {"code", "message"}}`` with a code from the error table in docs/api.md.

Schemathesis's own fixture loader (``schemathesis.pytest.from_fixture``) does not work with pytest 9
(it writes ``Function._nodeid``), so the schema is loaded from the file and each test points it at its
own app. A fixed corpus of hostile requests (non-object and broken JSON, non-UTF-8, 30,000-deep nesting,
over-64-KiB bodies; 0, -1, 2**31, 2**63 and 10**30 as ids) runs against every operation as well.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from helpers import bearer, client_id, join_participant, make_user, make_workshop
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from sessions.accounts.service import issue_api_token
from sessions.contributions import service as participation
from sessions.models import Base
from sessions.workshop_templates import service as templates

ROOT = Path(__file__).resolve().parents[2]
API_MD = ROOT / "docs" / "api.md"

ROLES = ["facilitator", "participant", "no_token", "bad_token"]
# Per operation and role: the fuzzing phase's example budget (the coverage phase adds its own cases).
MAX_EXAMPLES = 12
SEED = 20260312


def documented_error_codes() -> set[str]:
    """The codes in the error table of docs/api.md."""
    lines = API_MD.read_text(encoding="utf-8").splitlines()
    start = lines.index("### Error codes")
    codes: set[str] = set()
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        m = re.match(r"\|\s*`([a-z_]+)`\s*\|", line)
        if m:
            codes.add(m.group(1))
    assert codes, "no error table in docs/api.md"
    return codes


def rows_of_workshop(app: Any, workshop_id: int, owner_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that belongs to one workshop, found through ``workshop_id`` columns and foreign keys
    (so tables added later are covered too), plus its owner's account."""
    session = app.extensions["pv_sessionmaker"]()
    existing = set(inspect(app.extensions["pv_engine"]).get_table_names())
    try:
        owned: dict[str, set[Any]] = {}
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in Base.metadata.sorted_tables:
            if table.name not in existing:
                continue
            cond = None
            if table.name == "workshops":
                cond = table.c.id == workshop_id
            elif table.name == "users":
                cond = table.c.id == owner_id
            elif "workshop_id" in table.c:
                cond = table.c.workshop_id == workshop_id
            else:
                for fk in table.foreign_keys:
                    parent = fk.column.table.name
                    if parent in owned and parent not in ("users",):
                        clause = fk.parent.in_(owned[parent]) if owned[parent] else None
                        if clause is not None:
                            cond = clause if cond is None else (cond | clause)
            if cond is None:
                continue
            rows = session.execute(select(table).where(cond)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
            pk = list(table.primary_key.columns)
            if len(pk) == 1:
                idx = list(table.columns).index(pk[0])
                owned[table.name] = {r[idx] for r in rows}
        return out
    finally:
        session.close()


# Path parameters whose table is not named "<thing>s".
TABLE_OF = {"template_id": "workshop_templates"}


class World:
    """The data the fuzzer works on: two facilitators, each with an open workshop full of people and posts."""

    def __init__(self, app: Any, db: Any, library: dict[str, Any]) -> None:
        self.app = app
        self.library = library
        anne = make_user(db, "anne@kommune.no")
        self.facilitator_token = issue_api_token(db, anne)
        self.ws = make_workshop(db, anne, library, n_groups=3)
        self.draft = make_workshop(db, anne, library, n_groups=2, open_it=False, title="Utkast")
        p1, self.participant_token = join_participant(db, self.ws, self.ws.groups[0], "Kari")
        p2, _ = join_participant(db, self.ws, self.ws.groups[1])
        self.contribution_ids: list[int] = []
        for p, kind in ((p1, "need"), (p1, "solution"), (p2, "need")):
            c, _ = participation.submit_contribution(db, p, p.group_id, kind, f"Innspill {kind}", client_id())
            self.contribution_ids.append(c.id)
        # Someone else's workshop: nothing the fuzzer does may change it.
        bo = make_user(db, "bo@annenkommune.no")
        self.other_owner_id = bo.id
        self.other = make_workshop(db, bo, library, n_groups=2, title="Naboens workshop")
        q, _ = join_participant(db, self.other, self.other.groups[0], "Ola")
        c, _ = participation.submit_contribution(db, q, q.group_id, "need", "Naboens innspill", client_id())
        self.other_contribution_id = c.id
        # Templates (sessions/workshop_templates/): one of ours, one of the neighbour's (ours to use, not to change).
        templates.save_from_workshop(db, anne, self.ws, "Vår mal")
        templates.save_from_workshop(db, bo, self.other, "Naboens mal")
        self.workshop_ids = [self.ws.id, self.draft.id, self.other.id]
        self.other_before = rows_of_workshop(app, self.other.id, bo.id)
        self._ids: dict[str, list[int]] = {}
        self.calls = 0
        # What a request needs to succeed: our workshop, the participant's group and own contribution.
        self.home = {"workshop_id": self.ws.id, "group_id": p1.group_id, "contribution_id": self.contribution_ids[0]}

    def real_ids(self, param: str) -> list[int]:
        """Ids that exist for a path parameter: ``workshop_id`` -> ours and the neighbour's workshops;
        any other ``thing_id`` -> every row of table ``things`` (so new endpoints get real ids too)."""
        if param not in self._ids:
            if param == "workshop_id":
                self._ids[param] = list(self.workshop_ids)
            else:
                table = Base.metadata.tables.get(TABLE_OF.get(param, param.removesuffix("_id") + "s"))
                engine = self.app.extensions["pv_engine"]
                found: list[int] = []
                if param.endswith("_id") and table is not None and "id" in table.c and inspect(engine).has_table(table.name):
                    with engine.connect() as conn:
                        found = sorted(conn.execute(select(table.c.id)).scalars())
                self._ids[param] = found
        return self._ids[param]

    def headers_for(self, role: str) -> dict[str, str]:
        if role == "facilitator":
            return bearer(self.facilitator_token)
        if role == "participant":
            return bearer(self.participant_token)
        if role == "bad_token":
            return {"Authorization": "Bearer ikke-et-token\u00e6\u00f8\u00e5"}
        return {}


# The world of the test that runs now (the hooks below are registered once, at import).
CURRENT: dict[str, World] = {}


@pytest.fixture(params=ROLES)
def world(request: pytest.FixtureRequest, app_config: dict[str, Any]) -> Any:
    # The fuzzer sends hundreds of writes a minute; the limits have their own tests (test_flood.py).
    app_config["RATELIMIT_ENABLED"] = False
    app = request.getfixturevalue("app")
    db = request.getfixturevalue("app_db")
    w = World(app, db, request.getfixturevalue("library"))
    w.role = request.param
    CURRENT["world"] = w
    yield w
    CURRENT.clear()
    assert rows_of_workshop(app, w.other.id, w.other_owner_id) == w.other_before, (
        "fuzzing another facilitator's workshop changed it"
    )


schema = schemathesis.openapi.from_path(ROOT / "facilitator" / "openapi.json")
# The Authorization header is the role's (below), never generated: no_token and bad_token cover its absence.
schema.config.generation.update(
    max_examples=MAX_EXAMPLES, deterministic=True, database="none", with_security_parameters=False
)
schema.config.seed = SEED
schema.config.update(base_url="http://localhost")


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Real ids (mostly ours, sometimes the neighbour's) instead of the generated ones, so requests get
    past the 404s. Only valid ids are swapped: an invalid one (negative, huge, not a number) is what a
    negative case is about, and stays."""
    w = CURRENT.get("world")
    if w is None or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            k: _swap(w, k, v, w.real_ids(k)) if _is_id(v) and v <= 2**31 - 1 else st.just(v)
            for k, v in path_parameters.items()
        }
    )


def _realistic(w: World, key: str | None, value: Any) -> Any:
    """A strategy for ``value`` that often swaps in a real id (``*_id`` keys), a library persona
    (``persona_id`` strings) or our workshop's join code (``code``), recursively."""
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _realistic(w, k, v) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*(_realistic(w, key, v) for v in value)).map(list)
    real: list[Any] = []
    if key == "code" and isinstance(value, str):
        real = [w.ws.join_code]
    elif key == "persona_id" and isinstance(value, str):
        real = sorted(w.library)
    elif key and key.endswith("_id") and _is_id(value) and value <= 2**31 - 1:
        real = w.real_ids(key)
    return _swap(w, key, value, real)


def _swap(w: World, key: str | None, value: Any, real: list[Any]) -> Any:
    """The generated value, a real one, or (most often) the one that makes the request succeed: our own
    workshop, the participant's own group and contribution."""
    if not real:
        return st.just(value)
    home = w.home.get(key or "")
    choices = [st.just(value), st.sampled_from(real)]
    if home is not None:
        choices += [st.just(home)] * 2
    return st.one_of(*choices)


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Real ids, personas and the join code in bodies too, so that posts, joins and moves succeed."""
    w = CURRENT.get("world")
    if w is None or not isinstance(body, dict | list):
        return st.just(body)
    return _realistic(w, None, body)


def _go_home(w: World, case: Any) -> None:
    """In place: valid ids in the path and body become our own (workshop, group, contribution), join
    codes our workshop's, persona keys a library persona. Invalid values stay invalid."""

    def fix(key: str | None, value: Any) -> Any:
        if isinstance(value, dict):
            for k, v in list(value.items()):
                value[k] = fix(k, v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                value[i] = fix(key, v)
        elif key in w.home and _is_id(value) and value <= 2**31 - 1:
            return w.home[key]
        elif key == "code" and isinstance(value, str):
            return w.ws.join_code
        elif key == "persona_id" and isinstance(value, str):
            return sorted(w.library)[0]
        return value

    if isinstance(case.path_parameters, dict):
        for k, v in case.path_parameters.items():
            # The coverage phase's path values are already strings.
            if isinstance(v, str) and v.isascii() and v.isdigit() and _is_id(int(v)) and int(v) <= 2**31 - 1:
                case.path_parameters[k] = int(v)
        fix(None, case.path_parameters)
    if isinstance(case.body, dict | list):
        fix(None, case.body)


# Refusals a JSON Schema cannot express: (code, field) of a 422 that a schema-valid request may still get,
# each explained in the field's description in the document. Anything else that a schema-valid request
# gets 422 for means the document is looser than the code: tighten the schema instead of adding here.
SEMANTIC_REFUSALS = {
    ("validation_failed", "persona_id"),  # must name a persona of the library (GET /api/v1/personas)
    ("validation_failed", "typed_at"),  # must be a real time (ISO 8601 or milliseconds), not any short string
    ("validation_failed", "theme_name"),  # unique in the workshop, ignoring case (theme_exists)
    ("validation_failed", "position"),  # at most the number of themes minus one
    ("validation_failed", "merge_with"),  # another suggestion than the one in the path
    ("validation_failed", "municipality"),  # required for a «Hos oss» case (kind local) only
    ("unknown_origin", None),  # grew_from_id must name a visible need or proposal of this workshop
    ("validation_failed", "template"),  # a template's personas pass the persona checks, groups name its personas
    ("validation_failed", "personas"),  # a template edit keeps keys of the template's own personas
    ("validation_failed", "groups"),  # a template edit names as many groups as the template has
}


@schema.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure except "schema-valid request rejected" for one of SEMANTIC_REFUSALS."""
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 422:
        return True
    try:
        err = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return True
    return (err.get("code"), err.get("field")) not in SEMANTIC_REFUSALS


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_api_fuzz(case: Any, world: World) -> None:
    # The document is loaded once, at import; the app (and its database) is this test's.
    case.operation.schema.app = case.operation.app = world.app
    world.calls += 1
    if world.calls % 2 == 0:
        # The coverage phase's cases are fixed at collection, before the hooks know the database: every
        # other one gets our own ids, so they reach the code behind the 404s too.
        _go_home(world, case)
    response = case.call_and_validate(headers=world.headers_for(world.role))
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        assert body["error"]["code"] in documented_error_codes(), body


# -- a fixed corpus of hostile requests against every operation in the document -------------------


def _document() -> dict[str, Any]:
    import json

    return json.loads((ROOT / "facilitator" / "openapi.json").read_text(encoding="utf-8"))


def _operations() -> list[tuple[str, str, bool]]:
    """(method, path, takes a JSON object body) for every operation in the document."""
    doc = _document()
    ops = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            body = op.get("requestBody", {})
            if "$ref" in body:
                body = _deref(doc, body["$ref"])
            schema = body.get("content", {}).get("application/json", {}).get("schema", {})
            if "$ref" in schema:
                schema = _deref(doc, schema["$ref"])
            ops.append((method.upper(), path, schema.get("type") == "object"))
    return ops


def _deref(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _declared_statuses(method: str, path: str) -> set[int]:
    return {int(code) for code in _document()["paths"][path][method.lower()]["responses"] if code.isdigit()}


HOSTILE_BODIES = [
    b"[]",
    b"42",
    b'"tekst"',
    b"null",
    b"true",
    b'{"text": "ikke avsluttet',  # broken JSON
    b"\xff\xfe\x00{}",  # not UTF-8
    b"[" * 30000 + b"]" * 30000,  # nested 30,000 deep: json.loads raised RecursionError (500)
    b'{"text": "' + "æ".encode() * 40000 + b'"}',  # over 64 KiB
]
HOSTILE_IDS = [0, -1, 2**31, 2**63, 10**30]
BODY_OPS = [pytest.param(m, p, id=f"{m} {p}") for m, p, takes_object in _operations() if takes_object]
ID_OPS = [pytest.param(m, p, id=f"{m} {p}") for m, p, _ in _operations() if "{" in p]


def snapshot(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    session = app.extensions["pv_sessionmaker"]()
    existing = set(inspect(app.extensions["pv_engine"]).get_table_names())
    try:
        return {
            t.name: sorted((tuple(r) for r in session.execute(select(t)).all()), key=repr)
            for t in Base.metadata.sorted_tables
            if t.name in existing
        }
    finally:
        session.close()


def _real_path(w: World, path: str) -> str:
    def sub(m: re.Match[str]) -> str:
        ids = w.real_ids(m.group(1))
        return str(ids[0] if m.group(1) != "workshop_id" else w.ws.id) if ids else "1"

    return re.sub(r"\{([a-z_]+)\}", sub, path)


def _assert_clean_refusal(resp: Any, method: str, path: str) -> None:
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]
    assert 400 <= resp.status_code, resp.status_code
    assert resp.status_code in _declared_statuses(method, path) | {405}, (
        f"{method} {path} answered {resp.status_code}, which the document does not declare"
    )
    err = resp.get_json()["error"]
    assert err["code"] in documented_error_codes() and err["message"], err


@pytest.fixture
def one_world(app_config: dict[str, Any], request: pytest.FixtureRequest) -> World:
    app_config["RATELIMIT_ENABLED"] = False
    return World(request.getfixturevalue("app"), request.getfixturevalue("app_db"), request.getfixturevalue("library"))


@pytest.mark.parametrize(("method", "path"), BODY_OPS)
def test_hostile_bodies_are_refused_cleanly(one_world: World, client: Any, method: str, path: str) -> None:
    """Wrong JSON types, broken and non-UTF-8 JSON, 30,000-deep nesting and an over-64-KiB body, under
    every identity: a clean 4xx with a documented code, and not a row changed."""
    url = _real_path(one_world, path)
    before = snapshot(one_world.app)
    for role in ROLES:
        for body in HOSTILE_BODIES:
            resp = client.open(url, method=method, data=body, content_type="application/json", headers=one_world.headers_for(role))
            _assert_clean_refusal(resp, method, path)
    assert snapshot(one_world.app) == before, "a refused request changed stored data"


@pytest.mark.parametrize(("method", "path"), ID_OPS)
def test_negative_and_huge_ids_are_refused_cleanly(one_world: World, client: Any, method: str, path: str) -> None:
    """0, -1, 2**31, 2**63 and 10**30 in each path id in turn (the others real): no 5xx, nothing changed."""
    params = re.findall(r"\{([a-z_]+)\}", path)
    before = snapshot(one_world.app)
    for role in ("facilitator", "participant"):
        for bad_id in HOSTILE_IDS:
            for param in params:
                url = _real_path(one_world, path.replace("{" + param + "}", str(bad_id)))
                resp = client.open(url, method=method, json={}, headers=one_world.headers_for(role))
                _assert_clean_refusal(resp, method, path)
    assert snapshot(one_world.app) == before


# -- regressions found by the fuzzer -----------------------------------------------------------


@pytest.mark.parametrize("typed_at", ["\u00b2", "\u0661\u0662\u0663", "\uff11\uff12"])
def test_typed_at_with_non_ascii_digits_is_refused_not_a_crash(
    app: Any, client: Any, app_db: Any, library: dict[str, Any], typed_at: str
) -> None:
    """"²".isdigit() is true but int("²") raises: typed_at "²" used to answer 500."""
    owner = make_user(app_db, "eier@kommune.no")
    ws = make_workshop(app_db, owner, library, n_groups=1)
    _, token = join_participant(app_db, ws, ws.groups[0])
    body = {"group_id": ws.groups[0].id, "kind": "need", "text": "Tekst", "client_id": client_id(), "typed_at": typed_at}
    resp = client.post(f"/api/v1/workshops/{ws.id}/contributions", json=body, headers=bearer(token))
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["code"] == "validation_failed"
    assert resp.get_json()["error"]["field"] == "typed_at"
    ok = client.post(f"/api/v1/workshops/{ws.id}/contributions", json={**body, "client_id": client_id(), "typed_at": "123"},
                     headers=bearer(token))
    assert ok.status_code == 201, ok.get_data(as_text=True)  # ASCII digits still work
    app_db.rollback()  # a fresh snapshot of what the requests committed
    assert [c.id for c in participation.contributions(app_db, ws.id)] == [ok.get_json()["id"]]


def test_method_not_allowed_lists_the_allowed_methods(client: Any) -> None:
    """RFC 9110: a 405 carries Allow (the JSON error handler used to drop werkzeug's header)."""
    resp = client.delete("/api/v1/personas")
    assert resp.status_code == 405
    assert resp.get_json()["error"]["code"] == "method_not_allowed"
    assert {m.strip() for m in resp.headers["Allow"].split(",")} >= {"GET"}
    assert "DELETE" not in resp.headers["Allow"]


def test_the_served_document_is_the_fuzzed_one(client: Any) -> None:
    """The fuzzer reads facilitator/openapi.json at import; the app serves that same file."""
    import json

    served = client.get("/api/v1/openapi.json").get_json()
    assert served == json.loads((ROOT / "facilitator" / "openapi.json").read_text(encoding="utf-8"))


def test_an_invalid_retry_is_refused_even_with_a_known_client_id(
    app: Any, client: Any, app_db: Any, library: dict[str, Any]
) -> None:
    """A retry without `text` (or with a non-numeric `group_id`) used to get the stored post back (200)
    because the client_id was looked up before the body was validated."""
    owner = make_user(app_db, "eier@kommune.no")
    ws = make_workshop(app_db, owner, library, n_groups=1)
    _, token = join_participant(app_db, ws, ws.groups[0])
    url = f"/api/v1/workshops/{ws.id}/contributions"
    body = {"group_id": ws.groups[0].id, "kind": "need", "text": "Mentor", "client_id": client_id()}
    first = client.post(url, json=body, headers=bearer(token))
    assert first.status_code == 201
    for broken, field in (({k: v for k, v in body.items() if k != "text"}, "text"), ({**body, "group_id": "1"}, "group_id")):
        resp = client.post(url, json=broken, headers=bearer(token))
        assert resp.status_code == 422, resp.get_data(as_text=True)
        assert resp.get_json()["error"]["field"] == field
    again = client.post(url, json=body, headers=bearer(token))
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    app_db.rollback()  # a fresh snapshot of what the requests committed
    assert len(participation.contributions(app_db, ws.id)) == 1
