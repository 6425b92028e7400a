"""The facilitator's theme board: named themes grouping contributions across personas, and the suggestion workflow."""

from __future__ import annotations
