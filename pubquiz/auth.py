"""Host accounts (register, log in, log out), login_required, and CSRF protection."""
import functools
import hmac
import secrets
from contextvars import ContextVar
from urllib.parse import quote, urlsplit

from flask import (Blueprint, abort, current_app, flash, g, has_request_context, redirect, render_template,
                   request, session, url_for)
from markupsafe import Markup
from werkzeug.security import check_password_hash, generate_password_hash

from . import db, limits
from .validation import Validation

bp = Blueprint("auth", __name__)
MIN_PASSWORD = 10
CSRF_REFUSED = "This form has expired or did not come from this site. Reload the page and try again."

# True while fragments are rendered for pushing to many clients: those must carry no one's
# CSRF token (htmx adds the page's token as a header instead, see static/js/pubquiz.js).
rendering_pushed = ContextVar("rendering_pushed", default=False)


def hash_password(password):
    # Werkzeug's default is scrypt, a memory-hard KDF with a per-password salt.
    return generate_password_hash(password)


def create_host(email, password):
    """The new host's id, or None when the email is taken."""
    row = db.one("insert_host", email=email.strip(), password_hash=hash_password(password))
    return row and row["id"]


def _validate_credentials(form):
    v = Validation(form)
    email = v.text("email", "Email", max_length=254)
    if email and ("@" not in email or " " in email):
        v.error("email", "Enter an email address like quizmaster@example.org.")
    password = form.get("password") or ""
    if len(password) > 1000:
        v.error("password", "That password is too long.")
    return v, email, password


@bp.get("/register")
def register():
    return render_template("auth/register.html", form={}, errors={})


@bp.post("/register")
@limits.register
def register_post():
    v, email, password = _validate_credentials(request.form)
    if len(password) < MIN_PASSWORD:
        v.error("password", f"Use at least {MIN_PASSWORD} characters.")
    if v.ok:
        host_id = create_host(email, password)
        if host_id is None:
            v.error("email", "There is already an account with this email. Log in instead?")
        else:
            _log_in(host_id)
            return limits.trust_this_browser(redirect(url_for("quizzes.index"), 303), email)
    return render_template("auth/register.html", form=request.form, errors=v.errors), 422


@bp.get("/login")
def login():
    return render_template("auth/login.html", form={}, errors={})


@bp.post("/login")
@limits.login_address
@limits.login_account
def login_post():
    v, email, password = _validate_credentials(request.form)
    if v.ok:
        host = db.one("host_by_email", email=email)
        if host and check_password_hash(host["password_hash"], password):
            _log_in(host["id"])
            target = same_site_path(request.args.get("next", "")) or url_for("quizzes.index")
            return limits.trust_this_browser(redirect(target, 303), email)
        v.error("password", "Wrong email or password.")
    return render_template("auth/login.html", form=request.form, errors=v.errors), 422


# Characters a URL may carry as they are; the rest (spaces, quotes, anything not ASCII) are
# percent-encoded, so the Location header is plain ASCII.
URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


def same_site_path(target):
    r"""target as a path on this site, or None when a browser would go elsewhere with it (or it
    is no path). Browsers drop tabs and newlines anywhere in a URL and read a backslash as a
    slash, so "/\t/evil.example" and "/\evil.example" are "//evil.example", another site: judge
    the target as a browser reads it. Control characters go (a newline in a header is a 500)."""
    cleaned = "".join(c for c in target if c.isprintable()).replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    return quote(cleaned, safe=URL_SAFE)


@bp.post("/logout")
def logout():
    if g.host is not None:
        db.run("end_sessions", id=g.host["id"])  # a copy of the cookie is no good any more
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("play.home"), 303)


def _log_in(host_id):
    # A fresh session at login: nothing planted in the cookie before survives (no fixation).
    session.clear()
    session.permanent = True
    session["host_id"] = host_id
    session["host_session"] = db.one("host_by_id", id=host_id)["session_version"]


def load_host():
    host_id = session.get("host_id")
    host = db.one("host_by_id", id=host_id) if host_id else None
    if host is not None and session.get("host_session") != host["session_version"]:
        host = None  # a session from before a logout
    g.host = host


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.host is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")), 303)
        return view(**kwargs)

    return wrapped


def owned(row):
    """The row when the logged-in host owns it; a 404 otherwise (a foreign id looks missing)."""
    if row is None or g.host is None or row["host_id"] != g.host["id"]:
        abort(404)
    return row


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
