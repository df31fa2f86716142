"""Conflict records looked up by their record and field: a resolution pushed by the owner
station (protocol 3) closes the open conflicts of one field of one row.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("conflicts_row", "conflicts", ["table_name", "row_id", "field"])


def downgrade() -> None:
    op.drop_index("conflicts_row", table_name="conflicts")
