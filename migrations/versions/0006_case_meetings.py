"""case meetings: a clinic's meeting, the patients on its agenda, and the action items decided

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

An action item belongs to a patient and, when it was decided in a meeting, to that meeting; items
recorded outside a meeting have no meeting. The open items of one owner and of one patient are
each read through an index that starts with the owner or the patient and then ``done_at``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Frozen copy of domain.meetings.MAX_WHAT_CHARS at this revision.
_MAX_WHAT_CHARS = 500


def upgrade() -> None:
    op.create_table(
        "case_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"],
                                name=op.f("fk_case_meeting_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff_user.id"],
                                name=op.f("fk_case_meeting_created_by_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_meeting")),
    )
    op.create_index("ix_case_meeting_clinic_held", "case_meeting", ["clinic_id", "held_on"])
    op.create_table(
        "case_meeting_patient",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.String(200), nullable=False, server_default=""),
        sa.CheckConstraint("position >= 0",
                           name=op.f("ck_case_meeting_patient_position_non_negative")),
        sa.ForeignKeyConstraint(["meeting_id"], ["case_meeting.id"], ondelete="CASCADE",
                                name=op.f("fk_case_meeting_patient_meeting_id_case_meeting")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE",
                                name=op.f("fk_case_meeting_patient_patient_id_patient")),
        sa.PrimaryKeyConstraint("meeting_id", "patient_id", name=op.f("pk_case_meeting_patient")),
        sa.UniqueConstraint("meeting_id", "position", name="uq_case_meeting_patient_position"),
    )
    op.create_index("ix_case_meeting_patient_patient", "case_meeting_patient", ["patient_id"])
    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"length(what) BETWEEN 1 AND {_MAX_WHAT_CHARS}",
                           name=op.f("ck_action_item_what_length")),
        sa.CheckConstraint("done_by_id IS NULL OR done_at IS NOT NULL",
                           name=op.f("ck_action_item_done_by_needs_done_at")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="CASCADE",
                                name=op.f("fk_action_item_patient_id_patient")),
        sa.ForeignKeyConstraint(["meeting_id"], ["case_meeting.id"],
                                name=op.f("fk_action_item_meeting_id_case_meeting")),
        sa.ForeignKeyConstraint(["owner_id"], ["staff_user.id"],
                                name=op.f("fk_action_item_owner_id_staff_user")),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff_user.id"],
                                name=op.f("fk_action_item_created_by_id_staff_user")),
        sa.ForeignKeyConstraint(["done_by_id"], ["staff_user.id"],
                                name=op.f("fk_action_item_done_by_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_item")),
    )
    op.create_index("ix_action_item_owner_open", "action_item", ["owner_id", "done_at", "due_on"])
    op.create_index("ix_action_item_patient_open", "action_item", ["patient_id", "done_at"])
    op.create_index("ix_action_item_meeting", "action_item", ["meeting_id"])


def downgrade() -> None:
    op.drop_index("ix_action_item_meeting", table_name="action_item")
    op.drop_index("ix_action_item_patient_open", table_name="action_item")
    op.drop_index("ix_action_item_owner_open", table_name="action_item")
    op.drop_table("action_item")
    op.drop_index("ix_case_meeting_patient_patient", table_name="case_meeting_patient")
    op.drop_table("case_meeting_patient")
    op.drop_index("ix_case_meeting_clinic_held", table_name="case_meeting")
    op.drop_table("case_meeting")
