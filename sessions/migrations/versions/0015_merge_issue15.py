"""Merge the issue-15 branches: workshop templates (0011), series (0012), local cases (0013) and the follow-up
history (0014).

Revision ID: 0015
Revises: 0011, 0012, 0013, 0014
Create Date: 2026-12-03
"""

revision = "0015"
down_revision = ("0011", "0012", "0013", "0014")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
