"""QR codes, made on the server with segno (SVG, no network, no JavaScript)."""

from __future__ import annotations

import io

import segno


def svg(data: str, *, scale: int = 8, dark: str = "#000000", light: str = "#ffffff") -> bytes:
    code = segno.make(data, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, dark=dark, light=light, border=2, xmldecl=False, svgns=True,
              title="QR", omitsize=True)
    return out.getvalue()
