"""CSRF protection: a token per session, checked on every state-changing request, and never
carried by a fragment pushed to many clients."""

import hmac
import secrets
from contextvars import ContextVar

from flask import abort, current_app, has_request_context, request, session
from markupsafe import Markup

CSRF_REFUSED = "This form has expired or did not come from this site. Reload the page and try again."

# True while fragments are rendered for pushing to many clients: those must carry no one's
# CSRF token (htmx adds the page's token as a header instead, see static/js/pubquiz.js).
rendering_pushed = ContextVar("rendering_pushed", default=False)


def csrf_token():
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_field():
    if rendering_pushed.get() or not has_request_context():
        return ""
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % csrf_token()


def check_csrf():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    # Defence in depth: a browser names the page a POST came from. No Origin (older browsers,
    # scripts) is left to the token alone.
    origin = request.headers.get("Origin")
    if origin is not None and origin not in _own_origins():
        abort(400, CSRF_REFUSED)
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, CSRF_REFUSED)


def _own_origins():
    """This site as the browser names it: the address it was reached by (behind a trusted proxy,
    the one the proxy was reached by) and the configured public URL."""
    return {request.host_url.rstrip("/"), current_app.config["PUBLIC_URL"]} - {""}
