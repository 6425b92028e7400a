"""CSRF protection for forms and fetch, and security headers on every response."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _integral_as_int(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


class SafeJSONProvider(DefaultJSONProvider):
    """Hostile JSON is bad JSON, never a crash.

    A deeply nested body (``[[[[…``, well within the 64 KiB limit) makes ``json.loads`` raise
    RecursionError, which ``request.get_json(silent=True)`` does not catch (it catches ValueError): the
    request answered 500. As a ValueError it becomes the route's ``bad_json`` (found by fuzzing).
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        # JSON has one number type: 3735.0 is the integer 3735 (JSON Schema says so too), so an integral
        # number arrives as an int and passes the id checks, whichever way a client writes it.
        kwargs.setdefault("parse_float", _integral_as_int)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.json = SafeJSONProvider(app)

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        # The wall link carries a secret token: never send it on as a referrer.
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp
