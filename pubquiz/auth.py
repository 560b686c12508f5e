"""Registering, logging in and logging out (the host accounts themselves are in accounts.py)."""

from urllib.parse import quote, urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from . import accounts, db, limits
from .validation import Validation

bp = Blueprint("auth", __name__)


def _validate_credentials(form):
    v = Validation(form)
    email = v.text("email", _("Email"), max_length=254)
    if email and ("@" not in email or " " in email):
        v.error("email", _("Enter an email address like quizmaster@example.org."))
    password = form.get("password") or ""
    if len(password) > 1000:
        v.error("password", _("That password is too long."))
    return v, email, password


@bp.get("/register")
def register():
    return render_template("auth/register.html", form={}, errors={})


@bp.post("/register")
@limits.register
def register_post():
    v, email, password = _validate_credentials(request.form)
    if len(password) < accounts.MIN_PASSWORD:
        v.error("password", _("Use at least %(count)s characters.", count=accounts.MIN_PASSWORD))
    if v.ok:
        host_id = accounts.create_host(email, password)
        if host_id is None:
            v.error("email", _("There is already an account with this email. Log in instead?"))
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
        v.error("password", _("Wrong email or password."))
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
    flash(_("You are logged out."))
    return redirect(url_for("play.home"), 303)


def _log_in(host_id):
    # A fresh session at login: nothing planted in the cookie before survives (no fixation).
    session.clear()
    session.permanent = True
    session["host_id"] = host_id
    session["host_session"] = db.one("host_by_id", id=host_id)["session_version"]
