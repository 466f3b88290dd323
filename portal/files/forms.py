"""Forms of the files area: only the delete button's (its CSRF token)."""

from flask_wtf import FlaskForm


class DeleteFileForm(FlaskForm):
    """A POST with nothing but the CSRF token."""
