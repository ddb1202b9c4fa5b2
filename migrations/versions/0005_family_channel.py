"""family channel: outbox claims, worker heartbeat and state, invite codes, chat conversations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

``outbox_message.claimed_at`` is written and committed before a message is handed to a channel:
a claimed message that was never recorded as sent is not sent again (at most once).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox_message", sa.Column("claimed_at", sa.DateTime(), nullable=True))
    op.add_column("outbox_message", sa.Column("channel", sa.String(20), nullable=True))
    op.create_table(
        "worker_heartbeat",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "worker_state",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "invite_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.Integer(),
                  sa.ForeignKey("support_member.id", ondelete="CASCADE",
                                name="fk_invite_code_member_id_support_member"),
                  nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("code_hash", name="uq_invite_code_code_hash"),
    )
    op.create_index("ix_invite_code_member_id", "invite_code", ["member_id"])
    op.create_table(
        "chat_session",
        sa.Column("chat_id", sa.String(40), primary_key=True),
        sa.Column("member_id", sa.Integer(),
                  sa.ForeignKey("support_member.id", ondelete="CASCADE",
                                name="fk_chat_session_member_id_support_member"),
                  nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_support_member_telegram_chat", "support_member", ["telegram_chat_id"])


def downgrade() -> None:
    op.drop_index("ix_support_member_telegram_chat", table_name="support_member")
    op.drop_table("chat_session")
    op.drop_index("ix_invite_code_member_id", table_name="invite_code")
    op.drop_table("invite_code")
    op.drop_table("worker_state")
    op.drop_table("worker_heartbeat")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("channel")
        batch.drop_column("claimed_at")
