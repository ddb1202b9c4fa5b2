"""content: the media file's type and size on a module, and when an assignment was cancelled

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("content_module", sa.Column("media_type", sa.String(100), nullable=True))
    op.add_column("content_module", sa.Column("media_bytes", sa.Integer(), nullable=True))
    op.add_column("assignment", sa.Column("cancelled_at", sa.DateTime(), nullable=True))
    op.create_index("ix_assignment_status_due", "assignment", ["status", "due_on"])


def downgrade() -> None:
    op.drop_index("ix_assignment_status_due", table_name="assignment")
    with op.batch_alter_table("assignment") as batch:
        batch.drop_column("cancelled_at")
    with op.batch_alter_table("content_module") as batch:
        batch.drop_column("media_bytes")
        batch.drop_column("media_type")
