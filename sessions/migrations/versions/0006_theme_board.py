"""theme_board: themes on the facilitator's board and rejected suggestions (issue 5)

Revision ID: 0006
Revises: 0004

One of four branches from 0004 developed side by side; 0009 merges them.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
