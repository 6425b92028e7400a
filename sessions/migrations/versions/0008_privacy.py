"""privacy: retention and deletion (issue 6)

Revision ID: 0008
Revises: 0004

One of four branches from 0004 developed side by side; 0009 merges them.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
