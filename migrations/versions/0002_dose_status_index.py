"""index doses by patient, status and date for the last-taken-dose lookup

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dose_event_patient_status_date", "dose_event",
                    ["patient_id", "status", "dose_date"])


def downgrade() -> None:
    op.drop_index("ix_dose_event_patient_status_date", table_name="dose_event")
