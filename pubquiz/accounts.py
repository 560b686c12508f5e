"""Host accounts: creating one, who is logged in on this request, and what a host may open."""

import functools

from flask import abort, g, redirect, request, session, url_for
from werkzeug.security import generate_password_hash

from . import db

MIN_PASSWORD = 10


def hash_password(password):
    # Werkzeug's default is scrypt, a memory-hard KDF with a per-password salt.
    return generate_password_hash(password)


def create_host(email, password):
    """The new host's id, or None when the email is taken."""
    row = db.one("insert_host", email=email.strip(), password_hash=hash_password(password))
    return row and row["id"]


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
