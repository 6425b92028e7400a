"""Tag vocabulary per workshop and tags on contributions (kind of measure, level, need type)."""

from __future__ import annotations
