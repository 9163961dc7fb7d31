"""The web layer: app factory, blueprints, templates, CLI."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from auth.lockout import Lockout
from auth.sessions import ServerSessionInterface
from portal import text_input
from portal.bootstrap import Services, bootstrap
from portal.config import Settings
from portal.hosts import KnownHostsOnly
from portal.imports.uploads import UploadFolder
from portal.links import host_of
from projections.database import schema_lock

SERVICE_NAME = "Sufficiency Portal"


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    settings = settings or Settings.from_environment()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        SERVICE_NAME=SERVICE_NAME,
        # Every absolute link is built from this, never from the request (portal/links.py).
        PORTAL_URL=settings.portal_url,
        # Rate limits are counted where every worker sees them (RATELIMIT_STORAGE_URI); when
        # that store is unreachable, each worker counts in its own memory until it answers.
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
    )
    if settings.portal_url_configured:
        # Only the portal's own host is served: a request naming another is refused (400).
        hosts = [host_of(settings.portal_url)]
        app.config["TRUSTED_HOSTS"] = hosts
        app.wsgi_app = KnownHostsOnly(app.wsgi_app, hosts)
    if settings.trusted_proxies:
        # Behind N proxies, the client's address (the lockout's and rate limiter's key), the
        # scheme (HSTS, secure cookies) and host come from the headers those proxies set
        # (so the host checked above is the one the proxy was asked for).
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(Path(__file__).parent / "templates"),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.finalize = text_input.shown  # no control character reaches a page

    app.extensions["portal"] = services or bootstrap(
        settings.database_url, projections_inline=settings.projections_inline,
        instance=settings.instance)
    app.extensions["portal"].portal.idempotency.claim_timeout = timedelta(
        seconds=settings.idempotency_claim_seconds)
    # Revocable server-side sessions with idle and absolute timeouts (auth/sessions.py).
    app.session_interface = ServerSessionInterface(
        lambda application: application.extensions["portal"].engine, settings.secure_cookies)
    lockout = Lockout(app.extensions["portal"].engine, settings.secret_key.encode())
    with schema_lock(lockout.engine):
        lockout.setup()
    app.extensions["lockout"] = lockout
    # Uploaded returns (raw child ids) wait only in the portal's own folder, swept at start-up
    # and hourly with the jobs whose process died (portal/imports/uploads.py).
    uploads = UploadFolder(settings.upload_dir)
    app.extensions["uploads"] = uploads
    uploads.sweep_if_due(app.extensions["portal"].engine)

    from portal import errors, headers, presenters, static_assets
    from portal.extensions import csrf, htmx, limiter

    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    static_assets.init_app(app)
    presenters.init_app(app)

    from portal import behind, form_keys
    from portal.security import load_principal

    # First, so that the statements load_principal runs count as read by the page.
    behind.init_app(app)
    app.before_request(load_principal)
    # After the principal is known (and after CSRF): a form's idempotency key is claimed.
    form_keys.init_app(app)
    app.before_request(lambda: uploads.sweep_if_due(app.extensions["portal"].engine))

    from portal.views import (
        admin,
        as_at,
        audit,
        audit_access,  # noqa: F401 (adds the changes-of-access route to audit)
        board_searches,
        checkpoints,
        contracts,
        council_homes,
        developments,
        directory,
        fostering,
        health,
        help,
        home,
        home_searches,
        home_searches_export,
        imports,
        ofsted,
        placement_changes,  # noqa: F401 (adds the change, end and correct routes to placements)
        placements,
        placements_export,
        provider_contact,
        reference,
        referrals,
        session_views,
        sufficiency,
        targets,
        users,
        vacancies,
        vacancy_asks,  # noqa: F401 (adds the vacancy page and "Ask for this place" to the board)
    )

    for blueprint in (
        home.bp, session_views.bp, vacancies.board, vacancies.manage, directory.bp, health.bp,
        admin.bp, reference.bp, audit.bp, as_at.bp, checkpoints.bp,
        placements.bp, home_searches.bp, referrals.offers, referrals.bp, contracts.bp,
        targets.bp, imports.bp, placements_export.bp, home_searches_export.bp, ofsted.bp,
        provider_contact.bp, board_searches.bp, fostering.bp, council_homes.bp,
        developments.bp,
        sufficiency.bp, help.bp, users.bp,
    ):
        app.register_blueprint(blueprint)

    # Single sign-on through organisations' own identity providers, and their administration.
    from portal.views import identity_providers, oidc

    app.register_blueprint(oidc.bp)
    app.register_blueprint(identity_providers.bp)

    # Local accounts: the second factor, invitations and password resets. The second-factor
    # blueprint also holds half-signed-in sessions to their step (a before_request hook that
    # runs after load_principal).
    from portal.views import invitations, password_reset, second_factor

    for blueprint in (second_factor.bp, invitations.bp, password_reset.bp):
        app.register_blueprint(blueprint)

    # Joint tenders: documents (with their own upload limit), pipelines and providers' notices.
    from portal.views import notices, tender_documents, tender_pipelines

    for blueprint in (tender_documents.bp, tender_pipelines.bp, notices.bp):
        app.register_blueprint(blueprint)

    # Joint tenders: the councils' pages (drafting, engagement, clarifications, evaluation and
    # award) and the providers' (a tender as they see it, answers, questions and sealed bids).
    from portal.views import opportunities, tender_evaluation, tenders

    for blueprint in (tenders.bp, tender_evaluation.bp, opportunities.bp):
        app.register_blueprint(blueprint)

    # Out-of-area placements: approvals, the host authorities' notices, adjoining authorities.
    from portal.views import out_of_area

    for blueprint in (out_of_area.bp, out_of_area.host, out_of_area.adjoining):
        app.register_blueprint(blueprint)
    # An organisation's API clients (its administrator's page) and the integration API itself,
    # registered after the placements blueprint whose child reference converter it uses.
    from portal import api
    from portal.views import api_clients, webhooks

    app.register_blueprint(api_clients.bp)
    app.register_blueprint(webhooks.bp)
    api.init_app(app)

    logging.getLogger("portal").setLevel(logging.INFO)
    return app
