"""Rows are looked up by their primary key (table, row id) only: the index of row ids alone
cost every insert a write into one more index and served no query.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("rows_row_id", table_name="rows")


def downgrade() -> None:
    op.create_index("rows_row_id", "rows", ["row_id"])
