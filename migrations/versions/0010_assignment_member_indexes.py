"""index assignments by member with their due day and their completion

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26

Two per-member reads of the first Patients and Outreach runs read every assignment of every
member from the table (106,000 rows at network scale), to test a column the index lacked:

- the worklist's overdue assignments, by status and due day: (member_id, status) becomes
  (member_id, status, due_on), which still serves every read by member and status;
- the roster's modules completed in the last 30 days: a new (member_id, completed_at) reads only
  the month's completions.

Both are answered from the index alone (issue #8, bench/README.md).
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assignment_member_status_due", "assignment",
                    ["member_id", "status", "due_on"])
    op.drop_index("ix_assignment_member_status", table_name="assignment")
    op.create_index("ix_assignment_member_completed", "assignment", ["member_id", "completed_at"])


def downgrade() -> None:
    op.drop_index("ix_assignment_member_completed", table_name="assignment")
    op.create_index("ix_assignment_member_status", "assignment", ["member_id", "status"])
    op.drop_index("ix_assignment_member_status_due", table_name="assignment")
