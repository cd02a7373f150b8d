"""Counter form: a counter may keep the full questionnaire when its version has a short form

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form', sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(op.f('ck_counter_form_known'), "form IS NULL OR form IN ('short', 'full')")


def downgrade():
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_counter_form_known'), type_='check')
        batch_op.drop_column('form')
