"""`flask users create` and `flask users grant`: accounts and edition roles from the shell."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask_babel import force_locale

from portal import clock
from portal.auth import services
from portal.auth.forms import MIN_PASSWORD
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Contest, Membership, User, normalize_email


@click.group("users")
def users():
    """User accounts and their roles in editions."""


@users.command("create")
@click.option("--email", required=True, help="Email address (the login).")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--admin", is_flag=True, help="Make the user a global administrator.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password; asked for (twice) when not given.")
def create(email, full_name, admin, password):
    """Create an account (optionally a global administrator)."""
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"The password must have at least {MIN_PASSWORD} characters.")
    if not full_name.strip():
        raise click.ClickException("The name must not be empty.")
    try:
        with force_locale("en"):
            user = services.create_user(email=email, password=password, full_name=full_name,
                                        is_admin=admin, confirmed_at=clock.now())
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{normalize_email(email)}: {exc.message}") from exc
    db.session.commit()
    click.echo(f"Created {'administrator' if admin else 'user'} {user.email} (id {user.id}).")


@users.command("grant")
@click.option("--email", required=True, help="Email address of an existing account.")
@click.option("--edition", "slug", required=True, help="Slug of the edition.")
@click.option("--role", required=True, type=click.Choice(Membership.ROLES),
              help="organizer or judge.")
def grant(email, slug, role):
    """Give a user a role (organizer or judge) in one edition."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise click.ClickException(f"No account has the email {normalize_email(email)}.")
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug))
    if contest is None:
        raise click.ClickException(f"No edition has the slug {slug!r}.")
    try:
        with force_locale("en"):
            services.grant_membership(user=user, contest=contest, role=role)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{user.email} is now {role} of {contest.slug}.")


COMMANDS = [users]
