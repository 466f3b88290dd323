"""the mail outbox: every message a row, written with the change that causes it

A reminder step is queued at most once (unique dedupe_key).

Revision ID: jobs_outbox
Revises: 0003_agencies_genres
Create Date: 2026-12-01 22:45:41.748031

"""
from alembic import op
import sqlalchemy as sa
import portal.models.types


revision = 'jobs_outbox'
down_revision = '0003_agencies_genres'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', portal.models.types.UTCDateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=120), nullable=False),
    sa.Column('sent_at', portal.models.types.UTCDateTime(), nullable=True),
    sa.Column('sent_via', sa.String(length=10), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_outbox_mails_contest_id_contests')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_mails_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mails')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_mails_dedupe_key'))
    )
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_mails_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_mails_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_mails_sent_at'), ['sent_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_mails_sent_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_mails_created_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_mails_contest_id'))

    op.drop_table('outbox_mails')
