"""Plain helpers for the tests: domain factories and browser-like requests (CSRF included).

Imported by conftest.py and the test modules (``from helpers import ...``). Flask is imported lazily,
so the domain tests can use the factories without loading Flask.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any

PASSWORD = "riktig-passord-123"


# -- domain factories (no Flask) -------------------------------------------------------------


def make_user(db: Any, email: str | None = None, password: str = PASSWORD) -> Any:
    from sessions.accounts import service as accounts

    return accounts.create_user(db, email or f"fasilitator-{uuid.uuid4().hex[:8]}@kommune.no", password)


def make_workshop(
    db: Any,
    owner: Any,
    library: dict[str, Any],
    *,
    n_groups: int = 3,
    open_it: bool = True,
    title: str = "Personalledersamling",
) -> Any:
    """A workshop with the first ``n_groups`` library personas, one group ("Bord N") each."""
    from sessions.workshops import service as svc

    specs = [library[k] for k in sorted(library)][:n_groups]
    details = svc.WorkshopDetails.parse(title, "2026-03-12", "Molde", "")
    ws = svc.create_workshop(db, owner, details, specs, [(f"Bord {i + 1}", s.id) for i, s in enumerate(specs)])
    if open_it:
        ws = svc.open_workshop(db, ws)
    return svc.load_for_dashboard(db, ws.id)


def join_participant(db: Any, ws: Any, group: Any | None = None, name: str | None = None) -> tuple[Any, str]:
    """Join ``ws`` by its code (domain), optionally choosing ``group``. Returns (participant, token)."""
    from sessions.contributions import service as participation

    p, token = participation.join(db, ws.join_code, name)
    if group is not None:
        p = participation.choose_group(db, p, group.id)
    return p, token


def client_id() -> str:
    return uuid.uuid4().hex


def csrf_token(client: Any) -> str:
    """A valid CSRF token for the client's session (created in its cookie if it has none yet)."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    app = client.application
    with client.session_transaction() as sess:
        if "csrf_token" not in sess:
            sess["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
        raw = sess["csrf_token"]
    with app.test_request_context():
        session["csrf_token"] = raw
        return generate_csrf()


def post_form(client: Any, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """POST a form the way a browser would: with the CSRF token in the form."""
    body = dict(data or {})
    body.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=body, **kw)


def post_json(client: Any, url: str, payload: Any, **kw: Any) -> Any:
    """POST like the page's fetch(): JSON body, Accept JSON, CSRF token in the X-CSRFToken header."""
    headers = {"Accept": "application/json", "X-CSRFToken": csrf_token(client)}
    headers.update(kw.pop("headers", {}))
    return client.post(url, json=payload, headers=headers, **kw)


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    return post_form(client, "/login", {"email": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
