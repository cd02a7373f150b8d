"""Unit changes: the history of reorganisations, one row per unit touched

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'unit_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('effective_on', sa.Date(), nullable=False),
        sa.Column('operation', sa.String(length=32), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('others', sa.JSON(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('audit_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.CheckConstraint("kind IN ('area', 'agency', 'counter')", name=op.f('ck_unit_change_kind_known')),
        sa.ForeignKeyConstraint(
            ['audit_entry_id'], ['audit_entry.id'], name=op.f('fk_unit_change_audit_entry_id_audit_entry')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_change')),
    )
    with op.batch_alter_table('unit_change', schema=None) as batch_op:
        batch_op.create_index('ix_unit_change_kind_unit_id', ['kind', 'unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('unit_change', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_change_kind_unit_id')
    op.drop_table('unit_change')
