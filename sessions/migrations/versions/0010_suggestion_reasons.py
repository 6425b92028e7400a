"""Theme suggestions keep why they were made (the shared words) and how sure the suggester is.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suggested_themes") as batch:
        batch.add_column(sa.Column("shared_words", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("confidence", sa.Float(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("suggested_themes") as batch:
        batch.drop_column("confidence")
        batch.drop_column("shared_words")
