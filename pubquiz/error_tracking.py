"""Optional error tracking with Sentry (or a service that speaks its protocol, e.g. GlitchTip).
Only when SENTRY_DSN is set; without it the SDK is not even imported, so nothing leaves the
machine. Every unhandled error is logged (errors.py, live.py) and the SDK's logging integration
reports each ERROR record with its traceback: one path for views and background work alike."""

from flask import g

from .config import SettingsError


def init_app(app):
    dsn = app.config["SENTRY_DSN"]
    if not dsn:
        return
    try:
        import sentry_sdk
    except ImportError as error:
        raise SettingsError(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install 'pubquiz[sentry]'."
        ) from error

    # The SDK's default sends no cookies (a host's session), no credentials in headers and no
    # client addresses. Nor do we send request bodies (a login form holds a password) or the
    # traceback's local variables (the password again, once read): the error, where, and the URL.
    sentry_sdk.init(
        dsn=dsn,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=_without_query_string,
    )

    @app.before_request
    def tag_request_id():
        # The same id as the request's JSON log lines and its X-Request-ID header.
        sentry_sdk.set_tag("request_id", g.request_id)


def _without_query_string(event, hint):
    # As in the access log: a query string can carry a token.
    event.get("request", {}).pop("query_string", None)
    return event
