"""The follow-up register: proposals turned into follow-up items with a responsible role, deadline, status and note."""

from __future__ import annotations
