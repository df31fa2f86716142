"""A case's rows and entries are indexed by the case's key, not by its id.

Case ids are random UUIDs: the indexes `rows_case` and `changes_case` took each batch's
inserts all over them, so every commit rewrote most of their pages (SQLite writes whole pages
into its WAL: a first sync of 300,000 cases wrote 12 GB). The key is the sequence number of
the entry that brought the case to the server, on the case's row and every row and entry of
the case; keys grow as cases arrive, so new cases append to the end of the new indexes. Cases
that are on the server already get the last number of their row (unique as well).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rows", sa.Column("case_key", sa.BigInteger))
    op.add_column("changes", sa.Column("case_key", sa.BigInteger))
    op.execute("UPDATE rows SET case_key = last_seq WHERE table_name = 'cases'")
    op.execute(
        "UPDATE rows SET case_key = (SELECT c.case_key FROM rows AS c"
        " WHERE c.table_name = 'cases' AND c.row_id = rows.case_id)"
        " WHERE table_name <> 'cases' AND case_id IS NOT NULL"
    )
    op.execute(
        "UPDATE changes SET case_key = (SELECT c.case_key FROM rows AS c"
        " WHERE c.table_name = 'cases' AND c.row_id = changes.case_id)"
        " WHERE case_id IS NOT NULL"
    )
    op.create_index("rows_case_key", "rows", ["case_key"])
    op.create_index("changes_case_key", "changes", ["case_key", "seq"])
    op.drop_index("rows_case", table_name="rows")
    op.drop_index("changes_case", table_name="changes")


def downgrade() -> None:
    op.create_index("rows_case", "rows", ["case_id"])
    op.create_index("changes_case", "changes", ["case_id", "seq"])
    op.drop_index("changes_case_key", table_name="changes")
    op.drop_index("rows_case_key", table_name="rows")
    op.drop_column("changes", "case_key")
    op.drop_column("rows", "case_key")
