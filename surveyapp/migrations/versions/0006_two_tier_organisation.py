"""Two-tier organisation: establishment days, official codes, former-district grouping, unit splits

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'unit_split',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('predecessor_id', sa.Integer(), nullable=False),
        sa.Column('successor_id', sa.Integer(), nullable=False),
        sa.Column('share', sa.Float(), nullable=False),
        sa.CheckConstraint("kind IN ('area', 'agency', 'counter')", name=op.f('ck_unit_split_kind_known')),
        sa.CheckConstraint('share > 0 AND share <= 1', name=op.f('ck_unit_split_share_in_range')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_split')),
        sa.UniqueConstraint('kind', 'predecessor_id', 'successor_id', name=op.f('uq_unit_split_kind_predecessor_id_successor_id')),
    )
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('established_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('official_code', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('former_district_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_area_official_code'), ['official_code'])
        batch_op.create_foreign_key(
            batch_op.f('fk_area_former_district_id_area'), 'area', ['former_district_id'], ['id']
        )
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('established_on', sa.Date(), nullable=True))
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('established_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.drop_column('established_on')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('established_on')
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_area_former_district_id_area'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_area_official_code'), type_='unique')
        batch_op.drop_column('former_district_id')
        batch_op.drop_column('official_code')
        batch_op.drop_column('established_on')
    op.drop_table('unit_split')
