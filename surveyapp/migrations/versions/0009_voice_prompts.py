"""Voice prompts recorded by the reform office, published per questionnaire version and language

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'voice_prompt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('prompt', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('media_type', sa.String(length=40), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['questionnaire_version_id'], ['questionnaire_version.id'],
            name=op.f('fk_voice_prompt_questionnaire_version_id_questionnaire_version'),
        ),
        sa.ForeignKeyConstraint(
            ['recorded_by_id'], ['staff_user.id'], name=op.f('fk_voice_prompt_recorded_by_id_staff_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_prompt')),
    )
    with op.batch_alter_table('voice_prompt', schema=None) as batch_op:
        batch_op.create_index(
            'ix_voice_prompt_version_language_prompt', ['questionnaire_version_id', 'language', 'prompt'], unique=False
        )


def downgrade():
    with op.batch_alter_table('voice_prompt', schema=None) as batch_op:
        batch_op.drop_index('ix_voice_prompt_version_language_prompt')
    op.drop_table('voice_prompt')
