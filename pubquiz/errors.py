"""Every error a person can meet is a page in the site's style with a clear message: never a
stack trace, never a bare 500."""

import logging

import psycopg
import redis
from flask import abort, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from redis.exceptions import ClusterError, RedisClusterException
from werkzeug.exceptions import HTTPException

from . import limits, metrics, templating
from .rules import N_

log = logging.getLogger(__name__)

TITLES = {
    400: N_("That request did not work"),
    401: N_("Log in first"),
    403: N_("Not for you"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("That did not work"),
    413: N_("Too much at once"),
    429: N_("Slow down"),
    503: N_("Back in a moment"),
}

SECURITY_HEADERS = {
    # No inline scripts anywhere: htmx and our own script come from /static.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _page(status, message):
    if request.path.startswith("/api/"):
        return _json_error(status, message)
    title = _(TITLES.get(status, "Something went wrong"))
    # Not `message`: _flash.html (on every page) shows that one, and the page would say it twice.
    return render_template("errors/error.html", status=status, title=title, reason=message), status


def _json_error(status, message):
    """An API client gets its error as JSON, whatever went wrong, and a 401 says how to log in."""
    response = jsonify(error=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pubquiz"'
    return response


def refuse_nul():
    """PostgreSQL text cannot hold a NUL character: refuse it at the door with a message, for
    every form field, query argument and path, instead of failing deep inside a query."""
    values = [request.path, *request.args.values()]
    if request.method == "POST":
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400, _("That contains a character we cannot store (a NUL). Please type it again."))


def refused(problem, back):
    """A tap that changed nothing. htmx gets a 409 page whose message pubquiz.js shows where the
    person tapped; a plain form is sent `back` with the message, so a reload sends nothing again."""
    if request.headers.get("HX-Request"):
        abort(409, problem)
    flash(problem, "problem")
    return redirect(back, 303)


def init_app(app):
    @app.errorhandler(HTTPException)
    def http_error(error):
        message = error.description
        if error.code == 404 and message.startswith("The requested URL"):
            message = _("There is nothing at this address.")
        if error.code == 413:
            # A view that takes files may say how large they may be (its `too_large`).
            view = app.view_functions.get(request.endpoint)
            message = getattr(view, "too_large", _("That was more data than this form accepts."))
        if error.code == 429:
            metrics.RATE_LIMITED.labels(request.endpoint or "unknown").inc()
            if isinstance(error, RateLimitExceeded):  # its description is the limit itself
                message = limits.refusal(error.limit)
        return _page(error.code, message)

    @app.errorhandler(psycopg.OperationalError)
    def database_down(error):
        log.error("database unavailable on %s %s: %s", request.method, request.path, error)
        return _page(503, _("The quiz database is not reachable right now. Try again in a few seconds."))

    @app.errorhandler(redis.ConnectionError)
    @app.errorhandler(redis.TimeoutError)
    @app.errorhandler(ClusterError)
    @app.errorhandler(RedisClusterException)
    def redis_down(error):
        log.error("Redis unavailable on %s %s: %s", request.method, request.path, error)
        return _page(503, _("Live updates are reconnecting. This page will work again in a few seconds."))

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        metrics.ERRORS.labels("request").inc()
        return _page(500, _("Something went wrong on our side. Nothing you did was lost; try again."))

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS: never let a browser try plain HTTP
            response.headers.setdefault("Strict-Transport-Security", "max-age=63072000")
        if request.endpoint == "static":
            if response.status_code in (200, 304) and templating.fingerprinted(
                request.view_args["filename"], request.args.get("v")
            ):
                response.headers["Cache-Control"] = templating.IMMUTABLE
        elif not response.cache_control.public:
            # Only what a view declares public (media) may be kept: every other response may carry
            # a secret (a marker token, a team's PIN) or a person's state, which neither a shared
            # computer's history nor a cache on the way may keep.
            response.cache_control.no_store = True
        return response
