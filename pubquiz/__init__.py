"""pubquiz: live pub quizzes pushed to every phone and projector over Server-Sent Events."""


def create_app(config=None):
    # Imports live here, not at the top of the module: `pubquiz serve` and wsgi.py must
    # monkey-patch gevent before psycopg, redis or ssl are imported, and importing this
    # package always comes first.
    import logging

    from flask import Flask, g

    from . import auth, config as settings, db, errors, host, live, play, quizzes, screen, templating
    from .events import Hub, MemoryBus

    app = Flask(__name__, template_folder=str(settings.ROOT / "templates"),
                static_folder=str(settings.ROOT / "static"))
    app.config.from_mapping(settings.from_environment())
    app.config.update(config or {})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    hub = Hub()
    app.extensions["hub"] = hub
    app.extensions["bus"] = MemoryBus(hub, app.config["HISTORY_SIZE"])
    app.extensions["background"] = live.Background(app)

    for blueprint in (auth.bp, quizzes.bp, host.bp, play.bp, screen.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)

    @app.before_request
    def before_request():
        g.host = None
        auth.check_csrf()
        auth.load_host()

    templating.init_app(app)
    app.extensions["background"].start_sweeping()
    return app
