"""prize categories, names as published, Party-document settings, national selection and
imported dossiers

The per-genre "forward quota" goes: the province's selection of works sent to the national
award has any size, with a reason per work when the edition wants one. A national edition
records each province's dossier it imported, and each entry imported from one.

Revision ID: 0004_prizes_national
Revises: jobs_outbox
Create Date: 2026-12-01 23:05:00

"""
from alembic import op
import sqlalchemy as sa
import portal.models.types  # noqa: F401


revision = '0004_prizes_national'
down_revision = 'jobs_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('national_dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('province', sa.String(length=255), nullable=False),
    sa.Column('source_edition', sa.String(length=255), nullable=False),
    sa.Column('decision_number', sa.String(length=120), nullable=False),
    sa.Column('decision_key', sa.String(length=300), nullable=False),
    sa.Column('works', sa.Integer(), nullable=False),
    sa.Column('imported_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_national_dossiers_contest_id_contests')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_national_dossiers_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_national_dossiers')),
    sa.UniqueConstraint('contest_id', 'sha256', name=op.f('uq_national_dossiers_contest_id_sha256'))
    )
    with op.batch_alter_table('national_dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_national_dossiers_contest_id'), ['contest_id'], unique=False)

    op.create_table('prize_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_vi', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('recipient', sa.String(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('decided_by', sa.String(length=10), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_prize_categories_contest_id_contests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prize_categories')),
    sa.UniqueConstraint('contest_id', 'code', name=op.f('uq_prize_categories_contest_id_code'))
    )
    with op.batch_alter_table('prize_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prize_categories_contest_id'), ['contest_id'], unique=False)

    op.create_table('prize_category_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('from_proposal', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['prize_categories.id'], name=op.f('fk_prize_category_awards_category_id_prize_categories')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_prize_category_awards_entry_id_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prize_category_awards'))
    )
    with op.batch_alter_table('prize_category_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prize_category_awards_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prize_category_awards_entry_id'), ['entry_id'], unique=False)

    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_reason_required', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('issuing_body', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('document_place', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('name_style', sa.String(length=10), nullable=False, server_default='pen'))

    with op.batch_alter_table('entry_authors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prize_share', sa.Numeric(precision=5, scale=2), nullable=True))

    with op.batch_alter_table('genres', schema=None) as batch_op:
        batch_op.drop_column('forward_quota')

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_by', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source_reference', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('national_dossier_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_entries_national_dossier_id'), ['national_dossier_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_entries_national_dossier_id_national_dossiers'), 'national_dossiers', ['national_dossier_id'], ['id'])


def downgrade():
    with op.batch_alter_table('entry_authors', schema=None) as batch_op:
        batch_op.drop_column('prize_share')

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_entries_national_dossier_id_national_dossiers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_entries_national_dossier_id'))
        batch_op.drop_column('national_dossier_id')
        batch_op.drop_column('source_reference')
        batch_op.drop_column('sent_by')

    with op.batch_alter_table('genres', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forward_quota', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_column('name_style')
        batch_op.drop_column('document_place')
        batch_op.drop_column('issuing_body')
        batch_op.drop_column('national_reason_required')

    with op.batch_alter_table('prize_category_awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prize_category_awards_entry_id'))
        batch_op.drop_index(batch_op.f('ix_prize_category_awards_category_id'))

    op.drop_table('prize_category_awards')
    with op.batch_alter_table('prize_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prize_categories_contest_id'))

    op.drop_table('prize_categories')
    with op.batch_alter_table('national_dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_national_dossiers_contest_id'))

    op.drop_table('national_dossiers')
