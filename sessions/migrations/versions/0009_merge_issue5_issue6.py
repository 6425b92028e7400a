"""Merge the tags/roles (0005), theme board (0006), follow-up (0007) and privacy (0008) branches.

Revision ID: 0009
Revises: 0005, 0006, 0007, 0008
Create Date: 2026-11-22
"""

revision = "0009"
down_revision = ("0005", "0006", "0007", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
