"""The award portal: the Flask application factory."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask

import config as config_module


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; test_config overrides the environment-driven Config."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_module.Config)
    if test_config:
        app.config.update(test_config)
    config_module.validate(app.config)
    app.config["PUBLIC_BASE_URL"] = config_module.public_base_url(app.config)
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = config_module.trusted_hosts(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "portal.sqlite"
        )
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)

    # The factory lives in the package's __init__, which every `import portal.x` runs first:
    # the imports below stay inside the function so that importing one module does not
    # import the whole application (and so that models never import the areas).
    from portal import models  # noqa: F401  (register every table)
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from portal import i18n, links, security, web

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)
    links.init_app(app)

    from portal import jobs

    jobs.init_app(app)

    from portal.storage import init_storage

    init_storage(app)

    from portal import cli

    cli.init_app(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # Each area's package holds only its Blueprint; its routes live in `views`, imported
    # here and nowhere else, so importing an area's services never drags its views (and
    # their imports) along. A missing or renamed area fails the start.
    from portal.agencies import views as agencies_views
    from portal.auth import views as auth_views
    from portal.entries import views as entries_views
    from portal.files import views as files_views
    from portal.judge import views as judge_views
    from portal.main import views as main_views
    from portal.organize import views as organize_views
    from portal.organize.search import install_search_text_listener
    from portal.results import views as results_views
    from portal.rounds import views as rounds_views
    from portal.stats import views as stats_views

    for views in (main_views, auth_views, entries_views, files_views, organize_views,
                  rounds_views, judge_views, results_views, stats_views, agencies_views):
        app.register_blueprint(views.bp)
    install_search_text_listener()


def _development_secret(instance: Path) -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
