"""The docs stay true: docs/api.md and facilitator/openapi.json are checked against the code.

- the Socket.IO table in docs/api.md equals SERVER_EVENTS / CLIENT_EVENTS (+ ``connect``);
- openapi.json lists exactly the /api/v1 routes (and methods) of the app, and is a valid OpenAPI 3.1 document;
- every error code the code can produce is in the docs' error table, with its HTTP status;
- the ``contribution`` event payload is exactly ``Contribution.as_event()``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

from facilitator import create_app
from facilitator.errors import MESSAGES
from facilitator.realtime import sockets as realtime
from facilitator.realtime.publish import SERVER_EVENTS
from facilitator.realtime.sockets import CLIENT_EVENTS, socketio
from sessions.contributions.models import Contribution, ContributionKind
from sessions.core.errors import DomainError

# Documents against the app's routes, no database: scripts/test.sh runs this in one pass only.
pytestmark = pytest.mark.one_database

ROOT = Path(__file__).resolve().parents[2]
API_MD = ROOT / "docs" / "api.md"
OPENAPI_JSON = ROOT / "facilitator" / "openapi.json"

SERVER_TO_CLIENT = "server → client"
CLIENT_TO_SERVER = "client → server"
NO_ROOM = "—"
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # added by Flask to every rule


# -- helpers ------------------------------------------------------------------------------------


def _table_after(heading: str) -> list[list[str]]:
    """Rows (cells, header and separator dropped) of the first Markdown table after ``heading``."""
    lines = API_MD.read_text(encoding="utf-8").splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    except StopIteration:
        pytest.fail(f"docs/api.md has no heading {heading!r}")
    rows: list[list[str]] = []
    in_table = False
    for line in lines[start + 1 :]:
        if line.startswith("#") and not in_table:
            break
        if line.lstrip().startswith("|"):
            in_table = True
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif in_table:
            break
    assert len(rows) >= 3, f"no table under {heading!r} in docs/api.md"
    assert all(cell and set(cell) <= set(":-") for cell in rows[1]), f"second row under {heading!r} is not a separator"
    return rows[2:]


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _socket_rows() -> dict[str, tuple[str, str, list[str]]]:
    rows = _table_after("## Socket.IO events")
    out: dict[str, tuple[str, str, list[str]]] = {}
    for cells in rows:
        assert len(cells) == 4, f"event row needs 4 cells (event | direction | room(s) | payload): {cells}"
        names = _ticked(cells[0])
        assert len(names) == 1, f"event cell must hold one `name`: {cells[0]!r}"
        assert names[0] not in out, f"event {names[0]!r} is listed twice"
        out[names[0]] = (cells[1], cells[2], _ticked(cells[3]))
    return out


def _error_rows() -> dict[str, str]:
    out: dict[str, str] = {}
    for cells in _table_after("### Error codes"):
        codes = _ticked(cells[0])
        assert len(codes) == 1, f"error code cell must hold one `code`: {cells[0]!r}"
        assert codes[0] not in out, f"error code {codes[0]!r} is listed twice"
        out[codes[0]] = cells[1]
    return out


def _domain_error_classes() -> set[type[DomainError]]:
    found: set[type[DomainError]] = set()
    todo = list(DomainError.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo.extend(cls.__subclasses__())
    return found


def _web_error_uses() -> set[tuple[str, int]]:
    uses: set[tuple[str, int]] = set()
    for path in sorted((ROOT / "facilitator").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for m in re.finditer(r"WebError\(\s*[\"']([A-Za-z0-9_]+)[\"']\s*,\s*(?:status\s*=\s*)?(\d{3})", source):
            uses.add((m.group(1), int(m.group(2))))
    return uses


def _openapi() -> dict[str, Any]:
    return json.loads(OPENAPI_JSON.read_text(encoding="utf-8"))


@pytest.fixture()
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/t.sqlite", "SECRET_KEY": "x", "TESTING": True})


# -- (a) the Socket.IO event table -------------------------------------------------------------


def test_socket_table_lists_exactly_the_events_in_the_code() -> None:
    documented = set(_socket_rows())
    expected = set(SERVER_EVENTS) | set(CLIENT_EVENTS) | {"connect"}
    assert documented == expected, (
        f"docs/api.md 'Socket.IO events' is out of date: missing {sorted(expected - documented)}, "
        f"not in the code {sorted(documented - expected)}"
    )


@pytest.mark.parametrize("event", sorted(SERVER_EVENTS))
def test_server_event_rows_match_server_events(event: str) -> None:
    direction, rooms_cell, payload = _socket_rows()[event]
    rooms, keys = SERVER_EVENTS[event]
    assert direction == SERVER_TO_CLIENT
    assert _ticked(rooms_cell) == list(rooms), f"rooms of {event!r} in docs/api.md differ from SERVER_EVENTS"
    assert payload == list(keys), f"payload keys of {event!r} in docs/api.md differ from SERVER_EVENTS"


@pytest.mark.parametrize("event", sorted(set(CLIENT_EVENTS) | {"connect"}))
def test_client_event_rows(event: str) -> None:
    direction, rooms_cell, payload = _socket_rows()[event]
    assert direction == CLIENT_TO_SERVER
    assert rooms_cell == NO_ROOM, "a client → server event is sent to the server, not to rooms"
    assert payload, f"document the keys the client sends with {event!r}"
    assert len(set(payload)) == len(payload)


def _handlers() -> dict[str, Any]:
    return {name: inspect.unwrap(fn) for name, fn, namespace in socketio.handlers if namespace == "/"}


def test_every_socket_handler_is_a_client_event() -> None:
    """A new ``@socketio.on(...)`` handler must be added to CLIENT_EVENTS (and so to the docs)."""
    registered = set(_handlers()) - {"disconnect"}
    assert registered == set(CLIENT_EVENTS) | {"connect"}


def _keys_read(fn: Any) -> set[str]:
    """Keys a handler reads from its first argument: ``arg.get("key")`` or ``arg["key"]``."""
    params = list(inspect.signature(fn).parameters)
    assert params, f"{fn.__name__} takes no data"
    arg = re.escape(params[0])
    source = inspect.getsource(fn)
    return set(re.findall(rf"\b{arg}\.get\(\s*[\"'](\w+)[\"']", source)) | set(
        re.findall(rf"\b{arg}\[\s*[\"'](\w+)[\"']\s*\]", source)
    )


def test_client_event_payload_keys_are_what_the_server_reads() -> None:
    """The payload column of client events names exactly the keys the handlers read.

    ``connect`` reads its ``auth`` object in ``_identity_from_connect``; other events in their handler.
    """
    rows = _socket_rows()
    handlers = _handlers()
    sources = {name: handlers[name] for name in CLIENT_EVENTS}
    sources["connect"] = realtime._identity_from_connect
    for event, fn in sources.items():
        assert set(rows[event][2]) == _keys_read(fn), f"payload of {event!r} in docs/api.md"


# -- (b) OpenAPI paths == the app's /api/v1 routes ---------------------------------------------


def _flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_paths_equal_the_api_routes(app) -> None:  # type: ignore[no-untyped-def]
    in_app = {
        (_flask_to_openapi(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1"
        for method in (rule.methods or set()) - IGNORED_METHODS
    }
    doc = _openapi()
    assert doc.get("servers", [{"url": "/"}])[0]["url"] in ("/", ""), "paths in openapi.json are absolute"
    http_methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    in_doc = {(path, method) for path, item in doc["paths"].items() for method in item if method in http_methods}
    assert in_app, "no /api/v1 routes found"
    assert in_app - in_doc == set(), "routes missing from facilitator/openapi.json"
    assert in_doc - in_app == set(), "facilitator/openapi.json documents routes the app does not have"


def test_docs_endpoint_table_lists_the_api_routes(app) -> None:  # type: ignore[no-untyped-def]
    in_app = {
        f"{method} {_flask_to_openapi(rule.rule)}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - IGNORED_METHODS
    }
    documented = {_ticked(cells[0])[0] for cells in _table_after("## Endpoints") if _ticked(cells[0])}
    assert documented == in_app, "the table under '## Endpoints' in docs/api.md differs from the app's /api/v1 routes"


def test_openapi_path_parameters_are_declared() -> None:
    for path, item in _openapi()["paths"].items():
        names = set(re.findall(r"\{(\w+)\}", path))
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            params = item.get("parameters", []) + op.get("parameters", [])
            declared = {p["name"] for p in params if p.get("in") == "path"}
            assert declared == names, f"{method.upper()} {path}: path parameters"


# -- (c) the served document --------------------------------------------------------------------


def test_served_openapi_is_valid_openapi_3_1(app) -> None:  # type: ignore[no-untyped-def]
    from openapi_spec_validator import validate

    res = app.test_client().get("/api/v1/openapi.json")
    assert res.status_code == 200
    assert res.mimetype == "application/json"
    doc = json.loads(res.get_data(as_text=True))
    assert re.fullmatch(r"3\.1\.\d+", doc["openapi"])
    validate(doc)


def test_openapi_error_schema_is_the_error_shape() -> None:
    err = _openapi()["components"]["schemas"]["Error"]
    assert err["required"] == ["error"]
    inner = err["properties"]["error"]
    assert set(inner["properties"]) == {"code", "message", "field"}
    assert set(inner["required"]) == {"code", "message"}


# -- (d) error codes ---------------------------------------------------------------------------


def test_every_domain_error_code_is_documented_with_its_status() -> None:
    table = _error_rows()
    classes = _domain_error_classes()
    assert classes, "no DomainError subclasses found"
    for cls in classes:
        assert cls.code in table, f"{cls.__name__} code {cls.code!r} is missing from the error table in docs/api.md"
        assert str(cls.status) in table[cls.code], f"{cls.code!r}: docs/api.md should say HTTP {cls.status}"


def test_every_web_error_code_is_documented_with_its_status() -> None:
    table = _error_rows()
    uses = _web_error_uses()
    assert uses, "found no WebError(...) calls in facilitator/*.py"
    for code, status in uses:
        assert code in table, f"WebError code {code!r} is missing from the error table in docs/api.md"
        assert str(status) in table[code], f"{code!r}: docs/api.md should say HTTP {status}"


def test_every_message_code_is_documented() -> None:
    table = _error_rows()
    codes = {key for key in MESSAGES if isinstance(key, str)} | {key[0] for key in MESSAGES if isinstance(key, tuple)}
    assert codes - set(table) == set(), "codes in facilitator/errors.py MESSAGES missing from docs/api.md"


def test_documented_codes_exist_in_the_code() -> None:
    errors_source = (ROOT / "facilitator" / "errors.py").read_text(encoding="utf-8")
    known = (
        {key for key in MESSAGES if isinstance(key, str)}
        | {cls.code for cls in _domain_error_classes()}
        | {code for code, _ in _web_error_uses()}
        | set(re.findall(r"[\"']([a-z_]+)[\"']", errors_source))
    )
    stale = set(_error_rows()) - known
    assert stale == set(), f"docs/api.md documents error codes the code never produces: {sorted(stale)}"


def test_openapi_error_examples_use_documented_codes() -> None:
    table = _error_rows()
    used: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            value = node.get("value")
            if isinstance(value, dict) and isinstance(value.get("error"), dict):
                used.add(value["error"]["code"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(_openapi())
    assert used, "openapi.json has no error examples"
    assert used - set(table) == set()


# -- (e) the contribution payload --------------------------------------------------------------


def _contribution() -> Contribution:
    return Contribution(
        id=1,
        seq=7,
        workshop_id=2,
        group_id=3,
        persona_id=4,
        participant_id=5,
        author_name="Kari",
        kind=ContributionKind.need,
        text="Mentor",
        client_id="abcdefgh",
        created_at=dt.datetime(2025, 3, 4, 9, 15),
        updated_at=None,
        deleted=False,
    )


def test_contribution_event_keys_equal_as_event() -> None:
    keys = SERVER_EVENTS["contribution"][1]
    assert len(set(keys)) == len(keys)
    assert set(keys) == set(_contribution().as_event())


def test_contribution_event_never_carries_the_author_id() -> None:
    event = _contribution().as_event()
    assert "participant_id" not in event and "client_id" not in event


def test_openapi_contribution_schema_equals_the_event() -> None:
    schema = _openapi()["components"]["schemas"]["Contribution"]
    assert set(schema["properties"]) == set(SERVER_EVENTS["contribution"][1])
    assert set(schema["required"]) == set(SERVER_EVENTS["contribution"][1])
