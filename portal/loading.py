"""Load a row for a view and check the user may see it, in one step (flaskr's get_post)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from portal import clock
from portal.extensions import db

T = TypeVar("T")


def load_or_404(model: type[T], key: Any, *, can: Callable[..., bool] | None = None,
                where: Callable[[T], bool] | None = None, options: Iterable = ()) -> T:
    """The `model` row whose primary key is `key` (or, when `key` is a SQL condition such
    as ``Contest.slug == slug``, the row it selects).

    Aborts with 404 when there is none, when `where(row)` is false (the row belongs to
    another edition or round than the URL says) or when the named predicate
    `can(current_user, row, now=...)` refuses: people who may not see a row cannot learn
    that it exists. A view that may show a row but not change it checks that second
    predicate itself and answers 403.
    """
    if isinstance(key, sa.ColumnElement):
        row = db.session.scalar(sa.select(model).where(key).options(*options))
    else:
        row = db.session.get(model, key, options=list(options))
    if row is None or (where is not None and not where(row)):
        abort(404)
    if can is not None and not can(current_user, row, now=clock.now()):
        abort(404)
    return row
