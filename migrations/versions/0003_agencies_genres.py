"""agencies and sending units per edition, their focal points and dossiers; the edition's
entry routes; an entry's sending agency, confirmation and dossier

Revision ID: 0003_agencies_genres
Revises: auth_sessions_invitations
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa
import portal.models.types  # noqa: F401


revision = '0003_agencies_genres'
down_revision = 'auth_sessions_invitations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('name_key', sa.String(length=255), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_agencies_contest_id_contests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('contest_id', 'name_key', name=op.f('uq_agencies_contest_id_name_key'))
    )
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agencies_contest_id'), ['contest_id'], unique=False)

    op.create_table('agency_focal_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_focal_points_agency_id_agencies')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agency_focal_points_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_focal_points')),
    sa.UniqueConstraint('agency_id', 'user_id', name=op.f('uq_agency_focal_points_agency_id_user_id'))
    )
    with op.batch_alter_table('agency_focal_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_focal_points_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_focal_points_user_id'), ['user_id'], unique=False)

    op.create_table('agency_dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('submitted_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_dossiers_agency_id_agencies')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_agency_dossiers_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_dossiers')),
    sa.UniqueConstraint('agency_id', 'number', name=op.f('uq_agency_dossiers_agency_id_number'))
    )
    with op.batch_alter_table('agency_dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_dossiers_agency_id'), ['agency_id'], unique=False)

    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_routes', sa.String(length=20), nullable=False,
                                      server_default='both'))
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.alter_column('entry_routes', server_default=None)

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('agency_confirmed_at', portal.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('agency_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dossier_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_entries_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entries_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_entries_agency_id_agencies'), 'agencies', ['agency_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_entries_agency_confirmed_by_id_users'), 'users', ['agency_confirmed_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_entries_dossier_id_agency_dossiers'), 'agency_dossiers', ['dossier_id'], ['id'])


def downgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_entries_dossier_id_agency_dossiers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_entries_agency_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_entries_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_entries_dossier_id'))
        batch_op.drop_index(batch_op.f('ix_entries_agency_id'))
        batch_op.drop_column('dossier_id')
        batch_op.drop_column('agency_confirmed_by_id')
        batch_op.drop_column('agency_confirmed_at')
        batch_op.drop_column('agency_id')

    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_column('entry_routes')

    with op.batch_alter_table('agency_dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_dossiers_agency_id'))
    op.drop_table('agency_dossiers')
    with op.batch_alter_table('agency_focal_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_focal_points_user_id'))
        batch_op.drop_index(batch_op.f('ix_agency_focal_points_agency_id'))
    op.drop_table('agency_focal_points')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_contest_id'))
    op.drop_table('agencies')
