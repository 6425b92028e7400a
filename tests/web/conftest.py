"""Fixtures of the web tests (Flask's and Flask-SocketIO's test clients); the shared ones are in
tests/conftest.py, the helpers in tests/helpers.py."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import make_user, make_workshop


@pytest.fixture
def app(app: Any) -> Any:
    """tests/conftest.py's app; the export worker it may start for a heavy download is stopped afterwards."""
    yield app
    pool = app.extensions.get("pv_export_pool")
    if pool is not None:
        pool.close()


@pytest.fixture
def other_owner(app_db: Any) -> Any:
    return make_user(app_db, "annen.fasilitator@kommune.no")


@pytest.fixture
def other_ws(app_db: Any, library: dict[str, Any], other_owner: Any) -> Any:
    """Another open workshop, run by another facilitator."""
    return make_workshop(app_db, other_owner, library, n_groups=2, title="Annen samling")
