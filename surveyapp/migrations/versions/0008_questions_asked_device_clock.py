"""Questions asked and device clocks: questions shown, the device's own times, noted status, device_clock flag

The short form's count of closed questions shown; the device's own times when its clock was implausible and
the response was placed by the server; the ``noted`` status (flagged for review, still counted); the
``device_clock`` flag reason.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

STATUSES = "('ok', 'flagged', 'excluded', 'noted')"
OLD_STATUSES = "('ok', 'flagged', 'excluded')"
REASONS = "('burst', 'repeated', 'too_fast', 'outside_hours', 'honeypot', 'device_clock')"
OLD_REASONS = "('burst', 'repeated', 'too_fast', 'outside_hours', 'honeypot')"


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('device_submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('questions_asked', sa.SmallInteger(), nullable=True))
        batch_op.drop_constraint(op.f('ck_response_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_response_status_known'), f"status IN {STATUSES}")
    with op.batch_alter_table('response_flag', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_response_flag_reason_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_response_flag_reason_known'), f"reason IN {REASONS}")


def downgrade():
    # Responses placed by the server keep their device's times only in the columns dropped here; a noted
    # response counted, as an unflagged one did.
    op.execute("UPDATE response SET status = 'ok' WHERE status = 'noted'")
    op.execute("DELETE FROM response_flag WHERE reason = 'device_clock'")
    with op.batch_alter_table('response_flag', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_response_flag_reason_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_response_flag_reason_known'), f"reason IN {OLD_REASONS}")
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_response_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_response_status_known'), f"status IN {OLD_STATUSES}")
        batch_op.drop_column('questions_asked')
        batch_op.drop_column('device_submitted_at')
        batch_op.drop_column('device_started_at')
