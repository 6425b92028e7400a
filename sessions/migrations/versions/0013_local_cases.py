"""«Hos oss»: local cases (contributions of kind ``local``) name a municipality and the persona need or
proposal they grew from; follow-up items keep the municipality.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contributions", sa.Column("municipality", sa.String(length=80), nullable=True))
    if op.get_context().dialect.name == "sqlite":
        # Like migration 0003: a column-level reference, so SQLite needs no table rebuild.
        op.execute(
            "ALTER TABLE contributions ADD COLUMN grew_from_id INTEGER "
            "CONSTRAINT fk_contributions_grew_from_id_contributions REFERENCES contributions (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("contributions", sa.Column("grew_from_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_contributions_grew_from_id_contributions"),
            "contributions",
            "contributions",
            ["grew_from_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.add_column("followups", sa.Column("municipality", sa.String(length=80), nullable=True))


def downgrade() -> None:
    op.drop_column("followups", "municipality")
    with op.batch_alter_table("contributions") as batch:
        if op.get_context().dialect.name != "sqlite":
            batch.drop_constraint(op.f("fk_contributions_grew_from_id_contributions"), type_="foreignkey")
        batch.drop_column("grew_from_id")
        batch.drop_column("municipality")
