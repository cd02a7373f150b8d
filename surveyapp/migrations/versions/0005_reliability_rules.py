"""Scoring settings: reliability rules and the least post-stratum size

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scoring_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_respondents', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('min_effective', sa.Double(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('max_width', sa.Double(), server_default='0.3', nullable=False))
        batch_op.add_column(sa.Column('max_relative_width', sa.Double(), server_default='1.3', nullable=False))
        batch_op.add_column(sa.Column('min_cell_size', sa.Integer(), server_default='20', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_scoring_settings_minimums_positive'), 'min_respondents >= 1 AND min_cell_size >= 1'
        )
        batch_op.create_check_constraint(op.f('ck_scoring_settings_max_width_in_range'), 'max_width > 0 AND max_width <= 1 AND max_relative_width >= 0')


def downgrade():
    with op.batch_alter_table('scoring_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_scoring_settings_max_width_in_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_scoring_settings_minimums_positive'), type_='check')
        batch_op.drop_column('min_cell_size')
        batch_op.drop_column('max_relative_width')
        batch_op.drop_column('max_width')
        batch_op.drop_column('min_effective')
        batch_op.drop_column('min_respondents')
