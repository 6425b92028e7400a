"""privacy: retention and deletion (issue 6)

Revision ID: 0008
Revises: 0004

One of four branches from 0004 developed side by side; 0009 merges them.

Adds ``workshops.retention_days``: a per-workshop override of how many days after closing the workshop is
deleted automatically (NULL: the installation's default, ``PV_RETENTION_DAYS``). A nullable column without
a reference, so ``ALTER TABLE ... ADD COLUMN`` works on SQLite without rebuilding the table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workshops", sa.Column("retention_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        # SQLite >= 3.35 drops a plain column in place (no table rebuild, so nothing cascades).
        op.execute("ALTER TABLE workshops DROP COLUMN retention_days")
    else:
        op.drop_column("workshops", "retention_days")
