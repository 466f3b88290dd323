"""server-side sessions, confirmed email addresses, co-author invitations

Existing accounts count as confirmed (they were created before confirmation existed).
Existing co-author links other than the owner's own become invitations the co-author
must accept: they were made by email alone, which is the flaw this revision closes.

Revision ID: auth_sessions_invitations
Revises: 0001
Create Date: 2026-12-01 22:30:00

"""
from alembic import op
import sqlalchemy as sa
import portal.models.types  # noqa: F401


revision = 'auth_sessions_invitations'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', portal.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', portal.models.types.UTCDateTime(), nullable=True))

    with op.batch_alter_table('entry_authors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', portal.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('declined_at', portal.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('can_manage_files', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    op.execute("UPDATE users SET email_confirmed_at = created_at")
    op.execute(
        "UPDATE entry_authors SET accepted_at = CURRENT_TIMESTAMP, can_manage_files = TRUE "
        "WHERE user_id IS NOT NULL AND user_id = "
        "(SELECT owner_id FROM entries WHERE entries.id = entry_authors.entry_id)"
    )
    with op.batch_alter_table('entry_authors', schema=None) as batch_op:
        batch_op.alter_column('can_manage_files', server_default=None)


def downgrade():
    with op.batch_alter_table('entry_authors', schema=None) as batch_op:
        batch_op.drop_column('can_manage_files')
        batch_op.drop_column('declined_at')
        batch_op.drop_column('accepted_at')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
