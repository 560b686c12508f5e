"""pubquiz: live pub quizzes pushed to every phone and projector over Server-Sent Events.

Imports live inside the functions, not at the top of the module: `pubquiz serve` and wsgi.py must
monkey-patch gevent before psycopg, redis or ssl are imported, and importing this package always
comes first."""


def create_app(config=None):
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import (
        analytics_pages,
        answer_sheets,
        api,
        api_tokens,
        auth,
        bank,
        corrections,
        db,
        error_tracking,
        errors,
        host,
        i18n,
        languages,
        limits,
        marking,
        media,
        ops,
        play,
        quizzes,
        results,
        screen,
        season_pages,
        templating,
        tiebreak,
        transfer,
    )
    from . import (
        config as settings,
    )

    app = Flask(
        __name__,
        template_folder=str(settings.ROOT / "templates"),
        static_folder=str(settings.ROOT / "static"),
    )
    app.jinja_environment = templating.Environment  # before anything builds app.jinja_env
    app.config.from_mapping(settings.from_environment())
    app.config.update(config or {})
    app.config["SECRET_KEY"] = settings.secret_key(app.config)
    app.config["DATABASE_REPLICA_MAX_LAG"] = settings.replica_max_lag(app.config)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    ops.init_app(app)
    error_tracking.init_app(app)
    db.init_app(app)
    _live_updates(app)
    limits.init_app(app)
    for blueprint in (
        auth.bp,
        quizzes.bp,
        host.bp,
        play.bp,
        screen.bp,
        ops.bp,
        corrections.bp,
        marking.bp,
        tiebreak.bp,
        media.bp,
        transfer.bp,
        results.bp,
        answer_sheets.bp,
        bank.bp,
        season_pages.bp,
        api_tokens.bp,
        api.bp,
        analytics_pages.bp,
        languages.bp,
    ):
        app.register_blueprint(blueprint)
    limits.guard_code_routes(app)
    errors.init_app(app)
    app.before_request(_checks_before_every_request(app))
    i18n.init_app(app)
    templating.init_app(app)
    app.extensions["background"].start_sweeping()
    return app


def _live_updates(app):
    """This process's hub and background work, and the bus and cache: in Redis when REDIS_URL is
    set (shared by every process), in memory otherwise (one process)."""
    from . import live
    from .cache import ByRevision, MemoryCache, RedisCache
    from .events import Hub, MemoryBus
    from .redis_bus import RedisBus
    from .redis_client import connect
    from .stream_peaks import MemoryPeaks, RedisPeaks, reporter

    hub = Hub(app.config["MAX_STREAMS_PER_ADDRESS"], app.config["SEND_TIMEOUT_SECONDS"])
    background = live.Background(app)
    redis_url = app.config["REDIS_URL"]
    if redis_url:
        prefix = app.config["REDIS_PREFIX"]
        bus = RedisBus(hub, redis_url, app.config["HISTORY_SIZE"], prefix)
        bus.on_recovered = background.republish
        client = connect(redis_url, timeout=2)
        app.extensions.update(
            bus=bus,
            cache=RedisCache(redis_url, prefix),
            redis=client,
            stream_peaks=RedisPeaks(client, prefix, app.config["HEARTBEAT_SECONDS"]),
        )
    else:
        app.extensions.update(
            bus=MemoryBus(hub, app.config["HISTORY_SIZE"]), cache=MemoryCache(), stream_peaks=MemoryPeaks()
        )
    hub.start_heartbeats(app.config["HEARTBEAT_SECONDS"], reporter(hub, app.extensions["stream_peaks"]))
    app.extensions.update(hub=hub, background=background, quizzes=ByRevision())


def _checks_before_every_request(app):
    from flask import g, request

    from . import accounts, csrf, errors

    def before_request():
        # Flask raises a routing error (404, 405) only when it dispatches, after these hooks: a
        # PUT to a page would otherwise meet the CSRF check and get a misleading 400.
        if request.routing_exception is not None:
            raise request.routing_exception
        # A view may accept a larger body (an upload) than MAX_CONTENT_LENGTH; it must be known
        # before the CSRF check parses the form.
        view = app.view_functions.get(request.endpoint)
        request.max_content_length = getattr(view, "max_content_length", app.config["MAX_CONTENT_LENGTH"])
        errors.refuse_nul()
        g.host = None
        if request.blueprint == "api":
            return  # a bearer token, never a cookie: no session, so no CSRF token (see api.py)
        # Static files and media are the same bytes for everyone: reading the session would add
        # Vary: Cookie, and browsers would fetch them again whenever the cookie changes (a join).
        if request.endpoint not in ("static", "media.show"):
            accounts.load_host()
        csrf.check_csrf()

    return before_request
